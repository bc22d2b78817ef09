"""The one normaliser: every folding DESIGN.md lists, on aliases and text alike."""

import pytest

from core.text import normalize, words

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
