"""Search snippets cut from a report's original text (pure): the words around the first place
a query's words occur, with every occurrence marked, so a reader sees "Maréchal Haftar" as
the outlet wrote it, not the normalised "marechal haftar" the index holds.

Each whitespace-separated token of the text is normalised on its own (core.text.normalize, as
the index and the query are) and compared with the query's words the way full-text search
compares them: whole words, a prefix for a term ending in `*`, and an Arabic first word with
its proclitics. Only the start of a long text is read (`MAX_READ` characters).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from core.text import normalize, proclitic_forms
from storage.fts import Query, Term

MAX_READ = 20_000
WIDTH = 24  # tokens shown around the first match
_TOKEN = re.compile(r"\S+")
Spans = tuple[tuple[str, bool], ...]


def _matches(words: Sequence[tuple[str, int]], start: int, term: Term) -> int:
    """How many of `words` (normalised word, token index) from `start` the term covers, 0
    when it does not occur there."""
    if start + len(term.words) > len(words):
        return 0
    for k, want in enumerate(term.words):
        got = words[start + k][0]
        last = k == len(term.words) - 1
        if got == want or (last and term.prefix and got.startswith(want)):
            continue
        if k == 0 and got in proclitic_forms(want):
            continue
        return 0
    return len(term.words)


def snippet(text: str, query: Query, width: int = WIDTH) -> Spans:
    """About `width` tokens of `text` around the first occurrence of the query's words, as
    (text, matched) spans; the opening words when none occurs; () for an empty text."""
    tokens = _TOKEN.findall(text[:MAX_READ])
    if not tokens:
        return ()
    words = [(w, i) for i, token in enumerate(tokens) for w in normalize(token).split()]
    marked: set[int] = set()
    first: int | None = None
    terms = query.positive()
    for start in range(len(words)):
        for term in terms:
            covered = _matches(words, start, term)
            if covered:
                marked.update(words[start + k][1] for k in range(covered))
                first = words[start][1] if first is None else first
    begin = 0 if first is None else max(0, first - width // 3)
    shown = range(begin, min(len(tokens), begin + width))
    spans: list[tuple[str, bool]] = []
    for i in shown:
        piece = tokens[i] + (" " if i != shown[-1] else "")
        if i in marked:
            spans.append((tokens[i], True))
            if piece != tokens[i]:
                spans.append((" ", False))
        elif spans and not spans[-1][1]:
            spans[-1] = (spans[-1][0] + piece, False)
        else:
            spans.append((piece, False))
    return tuple(spans)


def bracketed(spans: Spans) -> str:
    """A snippet as plain text, matches in [brackets] (for the command line)."""
    return "".join(f"[{t}]" if hit else t for t, hit in spans)
