"""The one normaliser: every folding DESIGN.md lists, on aliases and text alike."""

import unicodedata

import pytest

from core import textfold, textfold_data
from core.text import normalize, word_spans, words

CASES = [
    ("Traoré", "traore"),
    ("GOÏTA", "goita"),
    ("Ouagadougou!", "ouagadougou"),
    ("d’Haftar «Wagner»", "d haftar wagner"),
    ("Burkina-Faso", "burkina faso"),
    ("أحمد", "احمد"),
    ("إبراهيم", "ابراهيم"),
    ("آمن", "امن"),
    ("ٱلله", "الله"),
    ("مصطفى", "مصطفي"),
    ("مدرسة", "مدرسه"),
    ("فـــاغنر", "فاغنر"),  # tatweel
    ("صَدَّام", "صدام"),  # diacritics
    ("ڤاغنر", "فاغنر"),
    ("کشور", "كشور"),  # Persian keheh
    ("ایران", "ايران"),  # Persian yeh
    ("٢٠٢٤", "2024"),
    ("۱۸۰۰", "1800"),
    ("Ёлка", "елка"),
    ("ﻻ", "لا"),  # presentation form via NFKC
    ("Straße", "strasse"),
    ("zero\u200bwidth", "zerowidth"),
    ("  many   spaces\n\t", "many spaces"),
    ("🔴 BREAKING: Wagner", "breaking wagner"),
]


@pytest.mark.parametrize(("raw", "expected"), CASES)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_words_and_idempotence() -> None:
    text = "وصل اللواء صدام خليفة حفتر إلى واغادوغو، في زيارة رسمية"
    once = normalize(text)
    assert normalize(once) == once
    assert words("Saddam Haftar, à Ouagadougou.") == ["saddam", "haftar", "a", "ouagadougou"]


def test_the_generated_fold_table_is_current() -> None:
    # core/textfold_data.py is what `python -m core.textfold` writes from the folding rules
    assert unicodedata.unidata_version == textfold_data.UNICODE
    assert textfold.compute_ranges() == textfold_data.RANGES
    assert textfold.make_table(textfold.compute_ranges()) == textfold.TABLE
    assert textfold.compute_classes() == textfold_data.CLASSES


@pytest.mark.parametrize(
    "text",
    [
        "Saddam Haftar, à Ouagadougou.",
        "d’Haftar «Wagner» (Burkina-Faso)",
        "وصل اللواء صَدَّام حفتر إلى واغادوغو، في زيارة",
        "  many \n\n spaces\t",
        "ـــ lone marks \u0301 and zero\u200bwidth",
        "½ a fraction, ﷺ a ligature, 🔴 an emoji",
        "",
    ],
)
def test_word_spans_say_where_each_normalised_word_is(text: str) -> None:
    spans = word_spans(text)
    assert len(spans) == len(words(text))
    for (start, end), word in zip(spans, words(text), strict=True):
        # each span holds its word; where a character splits into several words (½), the
        # piece between spaces that holds them all
        assert word in normalize(text[start:end]).split()
