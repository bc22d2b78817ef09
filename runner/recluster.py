"""Rebuilding stories over stored reports with the current rules and `stories:` settings.

Every report first seen since a date is matched again and filed anew, in the order of its
time, by the very code a live stream goes through (`Store.ingest`, into a scratch database):
so an operator sees what a changed `event_score`, `window` or event vocabulary would have made
of the last days. `recluster` returns the change (stories before and after, reports that
changed story) and, unless asked for a dry run, applies it to the state database
(`storage.reassign`: stories and alerts already sent keep their meaning).
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime

from config.model import Rules
from core.clock import FixedClock
from matching.engine import Matcher
from storage.db import open_state
from storage.reassign import reassign, set_reasons
from storage.records import StoredItem
from storage.store import Store
from storage.times import iso


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
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(_time(stored[0]) if stored else store.clock.now())
        scratch = Store(open_state(folder), clock, rules.stories, background_checkpoint=False)
        try:
            scratch_item: dict[int, int] = {}  # real item id -> the scratch database's
            # one transaction for the whole replay (each ingest joins it): a scratch database
            # need not survive a crash, and a commit per report was most of the time
            with scratch.transaction():
                for s in stored:
                    clock.set(_time(s))  # the replay's own time
                    result = scratch.ingest(s.item, matcher.match_item(s.item), kinds)
                    scratch_item[s.id] = result.item_id
            final = {
                item: (story, reason, score)
                for item, story, reason, score in scratch.conn.execute(
                    "SELECT item_id, story_id, reason, score FROM story_items"
                )
            }
        finally:
            scratch.close()
    for real, fake in scratch_item.items():
        groups.setdefault(final[fake][0], []).append(real)
    after = list(groups.values())
    moved = _moved(before, after)
    if apply and after:
        with store.transaction() as conn:
            story_of = reassign(conn, after, iso(store.clock.now()))
            # the scratch database's numbers in the reasons, as the state database numbers them
            items = {fake: real for real, fake in scratch_item.items()}
            stories = {final[fake][0]: story_of[real] for real, fake in scratch_item.items()}
            set_reasons(
                conn,
                {
                    real: (_renumber(final[fake][1], stories, items), final[fake][2])
                    for real, fake in scratch_item.items()
                },
            )
    return Reclustered(
        reports=len(stored),
        stories_before=len(set(before.values())),
        stories_after=len(after),
        moved=moved,
        seconds=time.perf_counter() - started,
        applied=apply and bool(after),
    )


_STORIES = re.compile(r"\b(stor(?:y|ies)) (\d+(?:, \d+)*)")
_ITEM = re.compile(r"\bitem (\d+)")


def _renumber(text: str, stories: dict[int, int], items: dict[int, int]) -> str:
    """`text` with the story and item numbers of the scratch database made real."""

    def story_ids(m: re.Match[str]) -> str:
        ids = ", ".join(str(stories.get(int(n), n)) for n in m.group(2).split(", "))
        return f"{m.group(1)} {ids}"

    text = _STORIES.sub(story_ids, text)
    return _ITEM.sub(lambda m: f"item {items.get(int(m.group(1)), m.group(1))}", text)


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
