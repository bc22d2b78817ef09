"""A real store in a temporary state folder, fed reports as the live stream feeds them (each at
its own time, matched by the real matcher): the desk the store-level clustering tests file on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from config import Rules
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage.records import IngestResult
from storage.store import Store
from tests.event_reports import T0


@dataclass
class Desk:
    """The store, its clock, and the matcher and rules reports are filed with."""

    store: Store
    clock: FixedClock
    matcher: Matcher
    rules: Rules

    def file(self, item: Item) -> IngestResult:
        assert item.published is not None
        self.clock.set(item.published)  # each report at its own time
        return self.store.ingest(item, self.matcher.match_item(item), self.rules.entity_kinds())

    def files(self, *items: Item) -> list[IngestResult]:
        return [self.file(it) for it in items]

    def story_of(self, result: IngestResult) -> int:
        row = self.store.conn.execute(
            "SELECT story_id FROM story_items WHERE item_id = ?", (result.item_id,)
        ).fetchone()
        return int(row[0])

    def stories(self) -> list[int]:
        """The stories standing on their own (not merged into another), any time."""
        return sorted(v.id for v in self.store.stories_since(T0 - timedelta(days=30)))

    def stories_by_item(self) -> dict[int, int]:
        """Each stored report's story."""
        return dict(self.store.conn.execute("SELECT item_id, story_id FROM story_items"))
