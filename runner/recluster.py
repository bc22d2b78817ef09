"""Rebuilding stories over stored reports with the current rules and `stories:` settings.

Every report first seen since a date is matched again and filed anew, in the order of its
time, by the very code a live stream goes through (`Store.ingest`, into a scratch database):
so an operator sees what a changed `event_score`, `window` or event vocabulary would have made
of the last days. `recluster` returns the change (stories before and after, reports that
changed story) and, unless asked for a dry run, applies it to the state database
(`storage.reassign`: stories and alerts already sent keep their meaning).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import datetime

from config.model import Rules
from core.clock import FixedClock
from matching.engine import Matcher
from storage.db import open_state
from storage.reassign import reassign
from storage.records import StoredItem, iso
from storage.store import Store


@dataclass(frozen=True)
class Reclustered:
    """What a recluster found (and, unless a dry run, did)."""

    reports: int
    stories_before: int
    stories_after: int
    moved: int  # reports whose story changed (by membership, not by id)
    seconds: float
    applied: bool

    @property
    def rate(self) -> float:
        return self.reports / self.seconds if self.seconds else 0.0


def recluster(store: Store, rules: Rules, since: datetime | None, apply: bool) -> Reclustered:
    started = time.perf_counter()
    stored = sorted(store.iter_items(since), key=lambda s: (_time(s), s.id))
    before = dict(
        store.conn.execute(
            "SELECT item_id, story_id FROM story_items WHERE item_id IN"
            " (SELECT id FROM items WHERE first_seen >= ?)",
            (iso(since) if since else "",),
        ).fetchall()
    )
    matcher, kinds = Matcher.from_rules(rules), rules.entity_kinds()
    groups: dict[int, list[int]] = {}
    reasons: dict[int, tuple[str, float | None]] = {}
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(_time(stored[0]) if stored else store.clock.now())
        scratch = Store(open_state(folder), clock, rules.stories, background_checkpoint=False)
        try:
            scratch_story: dict[int, int] = {}
            for s in stored:
                clock.set(_time(s))  # the replay's own time
                result = scratch.ingest(s.item, matcher.match_item(s.item), kinds)
                scratch_story[s.id] = result.item_id
                reasons[s.id] = (result.reason, None)
            final = dict(scratch.conn.execute("SELECT item_id, story_id FROM story_items"))
            scores = dict(scratch.conn.execute("SELECT item_id, score FROM story_items"))
        finally:
            scratch.close()
    for real, fake in scratch_story.items():
        groups.setdefault(final[fake], []).append(real)
        reasons[real] = (reasons[real][0], scores.get(fake))
    after = list(groups.values())
    moved = _moved(before, after)
    if apply and after:
        with store.transaction() as conn:
            reassign(conn, after, reasons, iso(store.clock.now()))
    return Reclustered(
        reports=len(stored),
        stories_before=len(set(before.values())),
        stories_after=len(after),
        moved=moved,
        seconds=time.perf_counter() - started,
        applied=apply and bool(after),
    )


def _time(s: StoredItem) -> datetime:
    """When a stored report happened, as the stream knew it."""
    when = s.item.published or s.first_seen
    assert when is not None  # first_seen is NOT NULL
    return when


def _moved(before: dict[int, int], after: list[list[int]]) -> int:
    """Reports not in the same company as before: those whose new group is not the bulk of
    their old story."""
    old_groups: dict[int, set[int]] = {}
    for item, sid in before.items():
        old_groups.setdefault(sid, set()).add(item)
    moved = 0
    for group in after:
        members = set(group)
        for item in group:
            old = old_groups.get(before.get(item, -1), set())
            if len(old & members) * 2 <= max(len(old), len(members)):
                moved += 1
    return moved
