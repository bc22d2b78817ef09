"""From what a user types to a safe FTS5 query (pure).

The query goes through the same `core.text.normalize` as the indexed text. Every term is
quoted, so FTS5 syntax in a user's query (`"`, `(`, `:`, `^`, `NEAR`) is searched for as words
and can never raise a syntax error. Supported:

- words: all must occur (`Haftar Ouagadougou`); `AND` between them changes nothing;
- "quoted phrases": the words in that order;
- `OR` (in capitals) between alternatives: `Haftar Wagner OR Dbeibah` finds reports with
  both Haftar and Wagner, or with Dbeibah;
- `-word`, `-"a phrase"` or `NOT word`: leave out reports that have it (a query of only
  exclusions finds nothing: there is nothing to search for);
- a trailing `*` for a prefix (`wagn*`, a stem of 3 letters or more).

An Arabic word also matches with the proclitics Arabic glues to it (و ف ب ل ك and their pairs;
لل for a word starting with ال): the forms `core.text.proclitic_forms` gives the matcher too.
A token with punctuation inside ("d'Haftar", "Burkina-Faso") is a phrase of its words.
`parse` gives the structure (which storage.snippets also reads), `fts_query` the expression.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import MIN_STEM, normalize, proclitic_forms

_TOKEN = re.compile(r'(-?)"([^"]*)"(\*?)|(\S+)')


@dataclass(frozen=True)
class Term:
    """A word or phrase, normalised (`prefix`: its last word may have any ending)."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """Alternatives (`groups`, each a list of terms that must all occur), and the terms no
    result may have (`excluded`)."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()

    def positive(self) -> list[Term]:
        return [term for group in self.groups for term in group]


def _term(raw: str, star: bool) -> Term | None:
    words = tuple(normalize(raw).split())
    if not words:
        return None
    # as in rules.yaml, a stem needs 3 letters: "a*" would read half the index
    return Term(words, star and len(words[-1]) >= MIN_STEM)


def parse(query: str) -> Query:
    """The structure of what the user typed."""
    groups: list[list[Term]] = [[]]
    excluded: list[Term] = []
    negate = False
    for m in _TOKEN.finditer(query):
        minus, quoted, quoted_star, bare = m.groups()
        if bare is not None:
            if bare in ("OR", "AND", "NOT"):
                if bare == "OR" and groups[-1]:
                    groups.append([])
                negate = bare == "NOT"
                continue
            minus = "-" if bare.startswith("-") and len(bare) > 1 else ""
            raw, star = bare[len(minus) :], bare.endswith("*")
        else:
            raw, star = quoted, bool(quoted_star)
        term = _term(raw, star)
        if term is not None:
            (excluded if minus or negate else groups[-1]).append(term)
        negate = False
    return Query(tuple(tuple(g) for g in groups if g), tuple(excluded))


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _expression(term: Term) -> str:
    """The phrase, plus its proclitic forms when its first word is Arabic."""
    first, rest = term.words[0], term.words[1:]
    star = "*" if term.prefix else ""
    forms = [_quote(" ".join([f, *rest])) + star for f in (first, *proclitic_forms(first))]
    return forms[0] if len(forms) == 1 else "(" + " OR ".join(forms) + ")"


def fts_query(query: str | Query) -> str:
    """The FTS5 MATCH expression for `query` ("" when nothing searchable is left)."""
    parsed = parse(query) if isinstance(query, str) else query
    alternatives = [" AND ".join(_expression(t) for t in group) for group in parsed.groups]
    if not alternatives:
        return ""
    expr = " OR ".join(f"({a})" for a in alternatives) if len(alternatives) > 1 else alternatives[0]
    if parsed.excluded:
        left_out = " OR ".join(_expression(t) for t in parsed.excluded)
        expr = f"({expr}) NOT ({left_out})"
    return expr
