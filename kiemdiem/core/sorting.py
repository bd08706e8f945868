"""Natural order for names with numbers: "Chi bộ thôn 2" before "Chi bộ thôn 10".

Each run of digits compares as a number and each run of letters without accents or case, so a
list of cells reads as people count them; the exact name breaks ties.
"""

import re

from kiemdiem.core.text import fold

_PARTS = re.compile(r"(\d+)")


def natural_key(name: str) -> tuple:
    """A sort key: text parts accent-folded (then exact, to keep namesakes stable), numbers as
    integers. "Thôn 2" < "thôn 10" < "Thôn 10A"."""
    key = []
    for index, part in enumerate(_PARTS.split(name or "")):
        if index % 2:
            key.append((1, int(part), ""))
        elif part:
            key.append((0, 0, fold(part).strip()))
    return (tuple(key), name or "")
