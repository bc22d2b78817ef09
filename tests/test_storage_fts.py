"""storage/fts.py: what a user types becomes a safe FTS5 query over normalised text."""

from __future__ import annotations

import sqlite3

import pytest

from storage.fts import fts_query


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Haftar Ouagadougou", '"haftar" AND "ouagadougou"'),
        ('"Africa Corps"', '"africa corps"'),
        ("Traoré", '"traore"'),
        ("wagn*", '"wagn"*'),
        ("ba*", '"ba"'),  # a stem of fewer than 3 letters is a plain word
        ("d'Haftar", '"d haftar"'),
        ('haftar" AND (', '"haftar" AND "and"'),
        ("*", ""),
        ("", ""),
    ],
)
def test_fts_query(query: str, expected: str) -> None:
    assert fts_query(query) == expected


def test_arabic_words_also_match_with_proclitics() -> None:
    q = fts_query("الجيش")
    for form in ('"الجيش"', '"والجيش"', '"بالجيش"', '"للجيش"'):
        assert form in q
    assert fts_query("فاغنر").startswith('("فاغنر" OR "وفاغنر"')


@pytest.mark.parametrize(
    ("hostile", "found"),
    [
        ("a AND (", False),  # the words "a" and "and": no "and" in the row
        ("a near (", True),
        ("NEAR(a x)", False),  # one token with punctuation is a phrase: "near a", then "x"
        ("NEAR(x)", True),  # the phrase "near x"
        ("near(x)", True),
        ("(a near) x", True),
        ('"', None),
        ("-x", True),
        ("title:x", False),  # the phrase "title x"
        ("x: title", True),
        ("^a", True),
        ("{a body}", True),
        ("x:*", True),
        ("x OR y", False),
    ],
)
def test_fts_syntax_in_a_query_is_searched_as_words(hostile: str, found: bool | None) -> None:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(title, body)")
    conn.execute("INSERT INTO t(rowid, title, body) VALUES (1, 'a near x', 'title body')")
    expr = fts_query(hostile)
    if found is None:
        assert expr == ""
        return
    rows = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", (expr,)).fetchall()
    assert rows == ([(1,)] if found else [])
