"""What matching returns: every hit with its place, and per topic the verdict with its reasons."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass  # not frozen: created by the thousand per second, and frozen init is 3x slower
class Hit:
    """One alias or keyword found in a document.

    `start`/`end` are word positions (end exclusive) in the normalised title + text; `field` says
    which part it was in. Treat it as immutable (use `dataclasses.replace`). `counted` is False
    for an ambiguous alias without corroboration or an alias inside a `not_in` phrase (`why`
    says which).
    """

    term: str  # the alias or keyword as the rules spell it
    entity: str | None  # entity id, or None for a topic keyword
    keyword: str | None  # the keyword term's key ("kw:..."), or None
    lang: str
    start: int
    end: int
    field: str  # "title" or "text"
    matched: str  # the normalised words that matched
    snippet: str = ""
    ambiguous: bool = False
    counted: bool = True
    why: str = ""


@dataclass(frozen=True)
class TopicResult:
    id: str
    matched: bool
    score: float
    threshold: float
    hits: tuple[Hit, ...]
    reasons: tuple[str, ...] = ()  # why it missed (empty when matched)
    terms: tuple[str, ...] = ()  # the keys of the terms that scored
    notes: tuple[str, ...] = ()  # what did not veto and why (an exclude lifted)


@dataclass(frozen=True)
class MatchResult:
    doc_id: str
    topics: tuple[TopicResult, ...]
    entities: tuple[str, ...]  # entity ids counted anywhere in the document
    hits: tuple[Hit, ...] = field(default=())

    @property
    def matched_topics(self) -> tuple[str, ...]:
        return tuple(t.id for t in self.topics if t.matched)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `explain --json` and of stored explanations."""
        return {
            "id": self.doc_id,
            "topics": [
                {
                    "id": t.id,
                    "matched": t.matched,
                    "score": t.score,
                    "threshold": t.threshold,
                    "reasons": list(t.reasons),
                    "notes": list(t.notes),
                    "hits": [asdict(h) for h in t.hits],
                }
                for t in self.topics
            ],
            "entities": list(self.entities),
            "hits": [asdict(h) for h in self.hits],
        }
