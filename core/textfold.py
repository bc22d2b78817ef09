"""What the normaliser does to each character: the folding rules (`fold_char`), the table they
make for `str.translate`, and the character classes that tell where a text's words lie.

The table covers the Basic Multilingual Plane. Computing it takes about 60 ms, and the word
classes from it about 45 ms more, too much for a command's start-up, so both are kept in the
generated module `core.textfold_data` (the table as ranges, rebuilt in about 2 ms); they are
used only when they were generated from these rules for this Python's Unicode version
(`python -m core.textfold` writes them anew; a test checks they are current). The table is a
list indexed by code point: `str.translate` looks a list up without raising KeyError for every
character that stays as it is, twice as fast as a dict.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import cache

FOLD = {
    "ٱ": "ا",
    "ى": "ي",
    "ة": "ه",
    "ک": "ك",  # Persian keheh
    "ڪ": "ك",
    "ی": "ي",  # Persian yeh
    "ې": "ي",
    "ۍ": "ي",
    "ے": "ي",
    "ہ": "ه",  # Urdu heh goal
    "ە": "ه",
    "ۀ": "ه",
    "ھ": "ه",
    "ۃ": "ه",
    "ۓ": "ي",
    "ڤ": "ف",  # Maghrebi/Persian ve, as in ڤاغنر
    "گ": "ك",  # Persian gaf (Egyptian/Maghrebi g)
    "پ": "ب",
    "چ": "ج",
    "ژ": "ز",
    "ß": "ss",
}
BMP = 0x10000
_SURROGATES = range(0xD800, 0xE000)
Table = list[int | str | None]
Ranges = tuple[tuple[int, int, str | None], ...]


def fold_char(ch: str) -> str | None:
    """What one (already compatibility-decomposed, case-folded) character becomes; None
    deletes it."""
    if ch in FOLD:
        return FOLD[ch]
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf") or ch == "ـ":
        return None  # marks, diacritics, tatweel, zero-width characters
    if cat[0] in ("P", "S", "Z") or cat == "Cc" or ch == "_":
        return " "
    if cat == "Nd" and ord(ch) > 0x7F:
        digit = unicodedata.digit(ch, None)
        if digit is not None:
            return str(digit)
    return ch


def compute_ranges() -> Ranges:
    """Every run of code points that `fold_char` changes alike, as (first, last, becomes)."""
    out: list[tuple[int, int, str | None]] = []
    for cp in range(BMP):
        if cp in _SURROGATES:
            continue
        becomes = fold_char(chr(cp))
        if becomes == chr(cp):
            continue
        if out and out[-1][1] == cp - 1 and out[-1][2] == becomes:
            out[-1] = (out[-1][0], cp, becomes)
        else:
            out.append((cp, cp, becomes))
    return tuple(out)


def _stored_ranges() -> Ranges | None:
    """The generated ranges, when they were made for this Python's Unicode version."""
    from core import textfold_data  # generated from this module: imported once it exists

    if unicodedata.unidata_version != textfold_data.UNICODE:
        return None
    return textfold_data.RANGES


def make_table(ranges: Ranges) -> Table:
    """The `str.translate` table: code point -> itself (an int), a replacement, or None."""
    table: Table = list(range(BMP))
    for first, last, becomes in ranges:
        table[first : last + 1] = [becomes] * (last - first + 1)
    return table


TABLE = make_table(_stored_ranges() or compute_ranges())


Classes = tuple[str, str, str]


def compute_classes() -> Classes:
    """The bodies of three regular-expression character classes over original text, from
    every character's folding: those folded to a space, those deleted, and those whose folding
    both splits and keeps letters, such as ½ -> "1 2" (see `word_classes`)."""
    gone: list[int] = []
    spaces: list[int] = []
    mixed: list[int] = []
    for cp in range(BMP):
        if cp in _SURROGATES:
            continue
        out = unicodedata.normalize("NFKD", chr(cp)).casefold().translate(TABLE)
        if not out:
            gone.append(cp)
        elif not out.strip():
            spaces.append(cp)
        elif len(out.split()) != 1 or out != out.strip():
            mixed.append(cp)
    return _char_class(spaces), _char_class(gone), _char_class(mixed)


@cache
def word_classes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Regular expressions over the characters of an original text: (a run of characters
    not folded to a space, which makes one normalised word unless every one of them is
    deleted; such a run of deleted characters only; a character whose folding both splits and
    keeps letters, or one beyond the table, after which runs no longer say where the words
    are). Built on first use from the generated classes (`compute_classes` takes ~45 ms)."""
    spaces, gone, mixed = _stored_classes() or compute_classes()
    return (
        re.compile(f"[^{spaces}]+"),
        re.compile(f"[{gone}]+"),
        re.compile(f"[{mixed}\U00010000-\U0010ffff]"),
    )


def _stored_classes() -> Classes | None:
    """The generated classes, when they were made for this Python's Unicode version."""
    from core import textfold_data

    if unicodedata.unidata_version != textfold_data.UNICODE:
        return None
    return textfold_data.CLASSES


def _char_class(points: list[int]) -> str:
    """A regular-expression character class body for these code points, as ranges."""
    parts: list[str] = []
    start = prev = -2
    for cp in [*points, -2]:
        if cp == prev + 1:
            prev = cp
            continue
        if start >= 0:
            last = "-" + re.escape(chr(prev)) if prev > start else ""
            parts.append(re.escape(chr(start)) + last)
        start = prev = cp
    return "".join(parts)


def write_data(path: str) -> None:
    """Write the generated module of ranges (`python -m core.textfold`)."""
    lines = [
        '"""Generated by `python -m core.textfold` from the folding rules of core/textfold.py: do',
        'not edit. (first code point, last code point, what each becomes; None: deleted)."""',
        "",
        f'UNICODE = "{unicodedata.unidata_version}"',
        "# fmt: off",
        "RANGES: tuple[tuple[int, int, str | None], ...] = (",
    ]
    line = "   "
    for first, last, becomes in compute_ranges():
        entry = f" ({first}, {last}, {becomes!r}),"
        if len(line) + len(entry) > 99:
            lines.append(line)
            line = "   "
        line += entry
    lines += [line, ")", "# character classes: folded to a space, deleted, mixed"]
    lines += ["CLASSES: tuple[str, str, str] = ("]
    lines += [f"    {body!r}," for body in compute_classes()]
    lines += [")", "# fmt: on", ""]
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    write_data(sys.argv[1] if len(sys.argv) > 1 else __file__.replace(".py", "_data.py"))
