"""What matching returns: every hit with its place, and per topic the verdict with its reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

NEAR_MISS = 0.5  # a topic missed with at least this share of its threshold is a near miss


# Not frozen and with slots: created by the thousand per second (frozen init is 3x slower,
# slots a third faster than a plain dataclass's).
@dataclass(slots=True)
class Hit:
    """One alias or keyword found in a document.

    `start`/`end` are word positions (end exclusive, from 0) in the normalised title + text;
    `field` says which part it was in. `lang` is the language the rules list the spelling under.
    Treat it as immutable once matching has returned (use `dataclasses.replace`). `counted` is
    False for an ambiguous alias without corroboration or an alias inside a `not_in` phrase or a
    longer match (`why` says which). With snippets asked for, `chars` is where the hit's words
    lie in its field's original text (start, end: character offsets) and `snippet` those words
    with a few either side.
    """

    term: str  # the alias or keyword as the rules spell it
    entity: str | None  # entity id, or None for a topic keyword
    keyword: str | None  # a keyword hit's owner, "topic:kw:...", or None
    lang: str
    start: int
    end: int
    field: str  # "title" or "text"
    matched: str  # the normalised words that matched
    snippet: str = ""
    ambiguous: bool = False
    counted: bool = True
    why: str = ""
    chars: tuple[int, int] | None = None


# The two results are named tuples, not frozen dataclasses: as immutable, four times faster to
# make (one a topic a document) and a fifth of the import time.
class TopicResult(NamedTuple):
    id: str
    matched: bool
    score: float
    threshold: float
    hits: tuple[Hit, ...]
    reasons: tuple[str, ...] = ()  # why it missed (empty when matched)
    terms: tuple[str, ...] = ()  # the keys of the terms that scored
    notes: tuple[str, ...] = ()  # what did not veto and why (an exclude lifted)

    @property
    def near_miss(self) -> bool:
        """Missed, with a score of at least NEAR_MISS times the threshold."""
        return not self.matched and self.score > 0 and self.score >= self.threshold * NEAR_MISS

    @property
    def verdict(self) -> str:
        """ "match", "near miss" or "no match"."""
        return "match" if self.matched else "near miss" if self.near_miss else "no match"


class MatchResult(NamedTuple):
    doc_id: str
    topics: tuple[TopicResult, ...]
    entities: tuple[str, ...]  # entity ids counted anywhere in the document
    hits: tuple[Hit, ...] = ()
    title_words: int = 0  # normalised words of the title: a text hit is word start - this

    def word(self, hit: Hit) -> int:
        """The hit's first word, counted from 1 within its field."""
        return hit.start + 1 - (self.title_words if hit.field == "text" else 0)

    @property
    def matched_topics(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics if t.matched)
