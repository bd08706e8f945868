"""Vietnamese text helpers: accent folding for search, and Vietnamese name ordering."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_text(value: str) -> str:
    """NFC, single spaces, trimmed: how every Vietnamese string is stored."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", value or "")).strip()


def normalize_text_block(value: str) -> str:
    """Multi-line text: NFC, spaces inside each line collapsed, paragraphs kept, trimmed."""
    lines = [normalize_text(line) for line in (value or "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


# "Ð" (U+00D0, Latin capital eth) looks exactly like "Đ" (U+0110) and is often typed for it; its
# lower case is "ð". Both count as đ in search and in the Vietnamese order.
_D_LIKE = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})
_AS_D_STROKE = str.maketrans({"Ð": "đ", "ð": "đ"})


def fold(value: str) -> str:
    """Lower-case, accent-free form for search: "Nguyễn Văn Đức" -> "nguyen van duc"."""
    decomposed = unicodedata.normalize("NFD", normalize_text(value).translate(_D_LIKE))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


# Vietnamese alphabet order: ă and â after a, đ after d, ê after e, ô and ơ after o, ư after u.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_RANK = {letter: index for index, letter in enumerate(_ALPHABET)}
# Tones in dictionary order: level, grave (huyền), hook (hỏi), tilde (ngã), acute (sắc), dot.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def _letters(word: str) -> tuple[list[int], list[int]]:
    """Letter ranks and tone numbers of one word."""
    ranks: list[int] = []
    tones: list[int] = []
    for ch in unicodedata.normalize("NFC", word.lower()).translate(_AS_D_STROKE):
        if ch == "đ":
            ranks.append(_RANK["đ"])
            tones.append(0)
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        letter, tone = base, 0
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark == "\u0306":
                letter = "ă"
            elif mark == "\u0302":
                letter = {"a": "â", "e": "ê", "o": "ô"}.get(base, base)
            elif mark == "\u031b":
                letter = {"o": "ơ", "u": "ư"}.get(base, base)
        if letter in _RANK:
            ranks.append(_RANK[letter])
            tones.append(tone)
        elif letter.isdigit():
            ranks.append(int(letter) - 10)  # digits before letters
            tones.append(0)
    return ranks, tones


def split_name(full_name: str) -> tuple[str, str, str]:
    """(family, middle, given) of a Vietnamese full name."""
    words = normalize_text(full_name).split(" ")
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


def name_sort_key(full_name: str) -> str:
    """A key that sorts names the Vietnamese way: given name, then middle, then family name.

    Letters are encoded as two-digit numbers (10..), words separated by "00", so the key is
    digits only and sorts the same under any database collation. Tones break ties last.
    """
    family, middle, given = split_name(full_name)
    primary: list[str] = []
    secondary: list[str] = []
    for part in (given, middle, family):
        for word in part.split(" ") if part else []:
            ranks, tones = _letters(word)
            primary.append("".join(f"{r + 20:02d}" for r in ranks) + "00")
            secondary.append("".join(str(t) for t in tones))
        primary.append("00")
    return ("".join(primary) + "0" + "".join(secondary))[:250]
