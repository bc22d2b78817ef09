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

from core.textfold import BMP, TABLE, fold_char, word_classes

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

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
        text = text.lower().translate(TABLE)
    else:  # one compatibility decomposition does NFKC's folding and NFD's split in one pass
        text = unicodedata.normalize("NFKD", text).casefold().translate(TABLE)
    if _ASTRAL.search(text):  # beyond the table (emoji, historic scripts): rare, one by one
        text = "".join(c if ord(c) < BMP else (fold_char(c) or "") for c in text)
    return " ".join(text.split())


_recent = lru_cache(maxsize=64)(_normalize)


def words(text: str) -> list[str]:
    """The normalised words of `text`."""
    return normalize(text).split()


Span = tuple[int, int]


def word_spans(text: str, count: int | None = None) -> list[Span]:
    """Where each word of `normalize(text)` lies in `text`: (start, end) character offsets, one
    pair a word, in order, so that a caller can cut the original words around a match.
    `count`, when the caller knows it, is how many words `normalize(text)` has.

    Found by one scan of the text for runs of characters that are not folded to spaces. Where
    the folding of a character both splits and keeps letters (½ -> "1 2", rare), each piece of
    text between spaces is normalised on its own, and its words all get the piece's span."""
    expected = len(normalize(text).split()) if count is None else count
    runs, deleted, mixed = word_classes()
    if not mixed.search(text):
        spans = [m.span() for m in runs.finditer(text)]
        if len(spans) != expected:  # runs of deleted characters alone (a stray diacritic)
            spans = [(a, b) for a, b in spans if not deleted.fullmatch(text, a, b)]
        if len(spans) == expected:
            return spans
    spans = []  # the slow way: every piece between spaces normalised on its own
    for piece in re.finditer(r"\S+", text):
        spans.extend([piece.span()] * len(normalize(piece.group()).split()))
    return spans if len(spans) == expected else [(0, len(text))] * expected


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
