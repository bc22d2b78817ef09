"""storage/fts.py and storage/snippets.py: what a user types becomes a safe FTS5 query over
normalised text (words, "phrases", OR, -word / NOT word, prefixes), and snippets come from the
report's original text."""

from __future__ import annotations

import sqlite3

import pytest

from storage.fts import fts_query, parse
from storage.snippets import bracketed, snippet


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Haftar Ouagadougou", '"haftar" AND "ouagadougou"'),
        ('"Africa Corps"', '"africa corps"'),
        ("Traoré", '"traore"'),
        ("wagn*", '"wagn"*'),
        ("ba*", '"ba"'),  # a stem of fewer than 3 letters is a plain word
        ("d'Haftar", '"d haftar"'),
        ("Burkina-Faso", '"burkina faso"'),
        ('haftar" AND (', '"haftar"'),  # AND between words changes nothing
        ("Libya -drone", '("libya") NOT ("drone")'),
        ("Libya NOT drone", '("libya") NOT ("drone")'),
        ('Libya -"Turkish drone"', '("libya") NOT ("turkish drone")'),
        ("Haftar Wagner OR Dbeibah", '("haftar" AND "wagner") OR ("dbeibah")'),
        ("or and not", '"or" AND "and" AND "not"'),  # operators only in capitals
        ("OR Haftar OR", '"haftar"'),
        ("-drone", ""),  # only exclusions: nothing to search for
        ("*", ""),
        ("", ""),
    ],
)
def test_fts_query(query: str, expected: str) -> None:
    assert fts_query(query) == expected


def test_arabic_words_also_match_with_proclitics() -> None:
    q = fts_query("الجيش")
    for form in ('"الجيش"', '"والجيش"', '"بالجيش"', '"للجيش"', '"وللجيش"'):
        assert form in q
    assert fts_query("فاغنر").startswith('("فاغنر" OR "وفاغنر"')


ROWS = {
    1: ("a near x", "title body"),
    2: ("libya drone strike", "the turkish drone"),
    3: ("libya talks", "haftar meets dbeibah"),
    4: ("mali coup", "wagner convoy"),
}


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("a AND (", [1]),
        ("a near (", [1]),
        ("NEAR(a x)", []),  # one token with punctuation is a phrase: "near a", then "x"
        ("NEAR(x)", [1]),  # the phrase "near x"
        ("(a near) x", [1]),
        ('"', None),
        ("-x", None),
        ("title:x", []),  # the phrase "title x"
        ("x: title", [1]),
        ("^a", [1]),
        ("{a body}", [1]),
        ("x:*", [1]),
        ("x OR convoy", [1, 4]),
        ("libya -drone", [3]),
        ('libya -"turkish drone"', [3]),
        ("libya NOT talks", [2]),
        ("wagner OR haftar -mali", [3]),
        ("libya OR mali -drone -coup", [3]),
    ],
)
def test_typed_queries_find_what_they_say_and_never_fail(
    typed: str, found: list[int] | None
) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    for rowid, (title, body) in ROWS.items():
        conn.execute("INSERT INTO t(rowid, title, body) VALUES (?, ?, ?)", (rowid, title, body))
    expr = fts_query(typed)
    if found is None:
        assert expr == ""
        return
    rows = conn.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", (expr,)).fetchall()
    assert [r[0] for r in rows] == found


def test_snippets_come_from_the_original_text_with_every_match_marked() -> None:
    text = (
        "Le maréchal Khalifa Haftar a reçu samedi à Benghazi le vice-ministre russe de la"
        " Défense, Iounous-Bek Ievkourov. Haftar a salué la coopération militaire."
    )
    spans = snippet(text, parse("marechal haftar"))
    assert ("maréchal", True) in spans and ("Haftar", True) in spans
    assert bracketed(spans).startswith("Le [maréchal] Khalifa [Haftar] a reçu")
    assert bracketed(snippet(text, parse('"vice ministre" ievkour*'))).count("[") == 2
    arabic = "التقى صدام حفتر بالرئيس الانتقالي إبراهيم تراوري في واغادوغو"
    marked = [t for t, hit in snippet(arabic, parse("الرئيس ابراهيم")) if hit]
    assert marked == ["بالرئيس", "إبراهيم"]  # a proclitic form, and the hamza as written
    cyrillic = "Жириновский выступил в Думе"
    assert ("Жириновский", True) in snippet(cyrillic, parse("жириновскии"))


def test_a_snippet_without_a_match_opens_the_text_and_an_empty_text_has_none() -> None:
    words = " ".join(f"w{i}" for i in range(100))
    spans = snippet(words, parse("absent"), width=5)
    assert spans == (("w0 w1 w2 w3 w4", False),)
    assert snippet("", parse("x")) == ()
