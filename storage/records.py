"""What the store hands back (IngestResult, SearchHit, StoredItem); how it writes times is
storage.times'."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from core.errors import StoreError
from core.items import Item
from core.story import StoryView


@dataclass(frozen=True)
class IngestResult:
    """What `Store.ingest` decided about one report.

    `is_new`: first time seen (False when a canonical URL, GUID or title fingerprint was known).
    `updated`: seen before, and its title or text changed (the stored item was updated).
    `story_is_new`: the report started a new story. `new_topics`: topics the story did not have
    before this report. `reason`: how the identity/story decision was made, for logs.
    `story`: made or read when first asked for, not before: most reports make no news for
    subscribers, and the pipeline asks only for those that do. A new story's view is made
    from its first report; a story joined is read from the store then, with any reports that
    joined it since (so ask before the store closes). `view` is what makes or reads it.
    """

    item_id: int
    is_new: bool
    updated: bool
    story_id: int
    story_is_new: bool
    new_topics: tuple[str, ...]
    reason: str
    view: Callable[[], StoryView | None] = field(repr=False, compare=False)

    @cached_property
    def story(self) -> StoryView:
        try:
            found = self.view()
        except sqlite3.Error as exc:  # e.g. the store was closed since
            raise StoreError(f"cannot read story {self.story_id}: {exc}") from exc
        if found is None:
            raise StoreError(f"story {self.story_id} is no longer stored")
        return found


@dataclass(frozen=True)
class SearchHit:
    """One story found by a search: its newest matching report (`item_id`, title, link,
    outlet), every outlet of the story (`sources`), how many of the reports looked at matched
    (`reports`), and a snippet of the report's original text as (text, matched) spans."""

    item_id: int
    story_id: int | None
    title: str
    url: str
    source: str
    lang: str
    published: datetime | None
    first_seen: datetime
    snippet: tuple[tuple[str, bool], ...]
    sources: tuple[str, ...] = ()
    reports: int = 1


@dataclass(frozen=True)
class StoredItem:
    """A stored report for backtests: its id, the Item, and the topics it matched when stored."""

    id: int
    item: Item
    topics: tuple[str, ...]
    first_seen: datetime | None = None


@dataclass(frozen=True)
class StoryMember:
    """One report of a story, with why it joined (`reason`) and its score when it was scored."""

    item_id: int
    source: str
    lang: str
    published: datetime | None
    title: str
    url: str
    reason: str
    score: float | None
