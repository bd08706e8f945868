"""Natural order for names with numbers: "Chi bộ thôn 2" before "Chi bộ thôn 10".

Each run of digits compares as a number and each run of letters without accents or case, so a
list of cells reads as people count them; the exact name breaks ties.
"""

import functools
import re

from kiemdiem.core.text import fold

_PARTS = re.compile(r"(\d+)")


# Cached: the same unit names are sorted on every page that lists or picks them (a province's
# ~200 communes: ~5 ms of accent folding per sort on the oversight page).
@functools.lru_cache(maxsize=100_000)
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
