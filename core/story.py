"""StoryView: a story as delivery and the command line read it back from the store; StoryNews:
what storing a report made due for delivery about one story."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

SUMMARY_KEPT = 600  # characters of a report's summary a StoryItemView carries (alerts cut more)


@dataclass(frozen=True)
class StoryItemView:
    """One report of a story as delivery shows it (`summary`: its feed summary, for the lead
    line of an alert; "" when the feed gave none)."""

    url: str
    title: str
    source: str
    lang: str
    published: datetime | None
    summary: str = ""


@dataclass(frozen=True)
class StoryView:
    """One story: its representative item plus who else reported it.

    `topics` are the ids of the topics any of its items matched; `entities` the ids of the
    entities counted in them; `sources` every outlet that carried it, representative first.
    """

    id: int
    title: str
    url: str
    source: str
    lang: str
    published: datetime | None
    first_seen: datetime
    last_seen: datetime
    topics: tuple[str, ...]
    entities: tuple[str, ...]
    sources: tuple[str, ...]
    languages: tuple[str, ...]
    items: tuple[StoryItemView, ...] = ()


@dataclass(frozen=True)
class StoryNews:
    """What delivery owes for a story after a report was stored: `new` (the story is new for
    `topics`: alert whoever follows them and has not had it) or `grew` (more outlets report
    it: edit the alerts already sent, push a surge). `id` is the store's record of it, removed
    once delivery has queued what it implies."""

    id: int
    kind: str
    story: StoryView
    topics: tuple[str, ...] = ()
