"""The one home of text rules shared by matching, search and story clustering: the normaliser,
applied alike to rule aliases, report text and search queries, and the Arabic word forms built
on it (the proclitics Arabic glues to a word, `proclitic_forms`; `arabic_stem`).

The normaliser:

Steps: Unicode compatibility decomposition (NFKD: NFKC's folding, with accents and Arabic
hamza/madda split off as separate marks); case-fold; every combining mark, Arabic diacritic and
tatweel removed (Traoré → traore, أ إ آ → ا, ؤ → و, ئ → ي); ٱ → ا, ى → ي, ة → ه;
Persian/Urdu forms (ک ی ہ ۀ …) folded to Arabic; Arabic-Indic and Persian digits → ASCII; every
punctuation, symbol, quote and space character → a single space. The result is words separated
by single spaces, with no leading or trailing space.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_FOLD = {
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


def _fold_char(ch: str) -> str | None:
    """What one (already NFKC, case-folded, decomposed) character becomes; None deletes it."""
    if ch in _FOLD:
        return _FOLD[ch]
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


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

# The Basic Multilingual Plane in one translate table (built at import, ~30 ms); characters
# beyond it (emoji, historic scripts) are rare and folded one by one.
_TABLE: dict[int, str | None] = {}
for _cp in range(0x10000):
    if not 0xD800 <= _cp <= 0xDFFF:
        _out = _fold_char(chr(_cp))
        if _out != chr(_cp):
            _TABLE[_cp] = _out


CACHED_UP_TO = 64 * 1024  # characters: longer texts (whole articles) are not kept


def normalize(text: str) -> str:
    """Normalise `text` for matching and search (see the module docstring). The last few
    results are kept: a report's title and body are normalised by the matcher, then again for
    its identity, clustering features and full-text row."""
    if len(text) > CACHED_UP_TO:
        return _normalize(text)
    return _recent(text)


def _normalize(text: str) -> str:
    if text.isascii():  # most English text: lower-casing is its case-fold, nothing decomposes
        text = text.lower().translate(_TABLE)
    else:  # one compatibility decomposition does NFKC's folding and NFD's split in one pass
        text = unicodedata.normalize("NFKD", text).casefold().translate(_TABLE)
    if _ASTRAL.search(text):
        text = "".join(c if ord(c) <= 0xFFFF else (_fold_char(c) or "") for c in text)
    return " ".join(text.split())


_recent = lru_cache(maxsize=64)(_normalize)


def words(text: str) -> list[str]:
    """The normalised words of `text`."""
    return normalize(text).split()


MIN_STEM = 3  # letters a wildcard stem (`wagn*`) needs, in rules and in search alike
# What Arabic glues in front of a word: و ف ب ل ك and their pairs. The article ال is not one.
PROCLITICS = ("و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل", "فك")


def is_arabic(word: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in word)


def proclitic_forms(word: str) -> list[str]:
    """A normalised Arabic `word` with every proclitic glued on, as Arabic writes them: ل
    before the article drops its alif (ل + الجيش → للجيش, ول + الجيش → وللجيش). [] for a
    word that is not Arabic."""
    if not is_arabic(word):
        return []
    forms = []
    for prefix in PROCLITICS:
        if prefix.endswith("ل") and word.startswith("ال"):
            forms.append(prefix + word[1:])
        else:
            forms.append(prefix + word)
    return forms


# What `arabic_stem` strips (after Larkey's light stemmer): the article with any proclitic
# before it, or else و alone before four letters or more, in front; the commonest pronoun and
# plural endings behind, keeping three letters. A bare ب ف ل ك is not stripped: too many
# words begin with those letters (باماكو, كييف).
_ARABIC_HEADS = tuple(
    sorted({*(p + "ال" for p in PROCLITICS), "ولل", "فلل", "لل", "ال"}, key=len, reverse=True)
)
_ARABIC_TAILS = ("هما", "هم", "ها", "ات", "ون", "ين", "ان", "يه", "ه", "ي")


def arabic_stem(word: str) -> str:
    """A light stem of a normalised Arabic word (proclitics, article and common endings off),
    so that والجزائر, بالجزائر and الجزائر compare equal. Other words come back unchanged."""
    if not is_arabic(word):
        return word
    for head in _ARABIC_HEADS:
        if word.startswith(head) and len(word) - len(head) >= 2:
            word = word[len(head) :]
            break
    else:
        if word.startswith("و") and len(word) > 4:  # وزير keeps its و, وباماكو loses it
            word = word[1:]
    for tail in _ARABIC_TAILS:
        if word.endswith(tail) and len(word) - len(tail) >= MIN_STEM:
            return word[: -len(tail)]
    return word
