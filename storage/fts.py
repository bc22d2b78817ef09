"""From what a user types to a safe FTS5 query (pure).

The query goes through the same `core.text.normalize` as the indexed text. Every term
is quoted, so FTS5 syntax in a user's query (`AND`, `"`, `(`, `-`, `:`, `^`) is searched for as
words and can never raise a syntax error. Supported: words (all must occur), "quoted phrases",
a trailing `*` for a prefix (`wagn*`, a stem of 3 letters or more). An Arabic word also matches
with the proclitics Arabic glues to it (و ف ب ل ك and their pairs; لل for a word starting
with ال): the forms `core.text.proclitic_forms` gives the matcher too. A token with
punctuation inside ("d'Haftar") is a phrase.
"""

from __future__ import annotations

import re

from core.text import MIN_STEM, normalize, proclitic_forms

_TOKEN = re.compile(r'"([^"]*)"(\*?)|(\S+)')


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _variants(words: list[str]) -> list[str]:
    """The phrase, plus its proclitic forms when its first word is Arabic."""
    first, rest = words[0], words[1:]
    return [" ".join([f, *rest]) for f in (first, *proclitic_forms(first))]


def fts_query(query: str) -> str:
    """The FTS5 MATCH expression for `query` ("" when nothing searchable is left)."""
    terms: list[str] = []
    for m in _TOKEN.finditer(query):
        raw = m.group(1) if m.group(1) is not None else m.group(3)
        prefix = bool(m.group(2)) or (m.group(3) is not None and raw.endswith("*"))
        words = normalize(raw).split()
        if not words:
            continue
        # "d'Haftar" or "Burkina-Faso" typed as one token becomes a phrase of its words.
        # as in rules.yaml, a stem needs 3 letters: "a*" would read half the index
        star = "*" if prefix and len(words[-1]) >= MIN_STEM else ""
        forms = [_quote(v) + star for v in _variants(words)]
        terms.append(forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")")
    return " AND ".join(terms)
