"""Shared helpers for the delivery tests (no tests here): rules, stories, a story source, and a
virtual clock that a Pacer and the fake Bot API can share."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config.model import Access, Delivery, Entity, Rules, Term, Topic
from core.story import StoryView
from delivery.transport import Transport
from storage.db import open_state
from storage.delivery_store import DeliveryStore

T0 = datetime(2026, 8, 13, 4, 0, tzinfo=UTC)
TOKEN = "123456:TEST-token"


def make_rules(
    *,
    admins: tuple[int, ...] = (),
    access: str = "open",
    allow: tuple[int, ...] = (),
    default_mode: str = "instant",
    max_stories: int = 40,
) -> Rules:
    entities = {
        "saddam_haftar": Entity(
            "saddam_haftar",
            "person",
            {"en": "Saddam Haftar", "fr": "Saddam Haftar", "ar": "صدام حفتر"},
            {"en": ("Saddam Haftar",)},
            {},
            {},
        ),
        "wagner": Entity(
            "wagner",
            "organisation",
            {"en": "Wagner", "fr": "Wagner", "ar": "فاغنر"},
            {"en": ("Wagner",)},
            {},
            {},
        ),
        "burkina_faso": Entity(
            "burkina_faso",
            "place",
            {"en": "Burkina Faso", "fr": "Burkina Faso", "ar": "بوركينا فاسو"},
            {"en": ("Burkina Faso",)},
            {},
            {},
        ),
    }
    topics = {
        "russia_military_africa": Topic(
            "russia_military_africa",
            {
                "en": "Russian military in Africa",
                "fr": "Armée russe en Afrique",
                "ar": "الوجود العسكري الروسي في أفريقيا",
            },
            "instant",
            1.0,
            (Term(1.0, entity="wagner", key="wagner"),),
        ),
        "libya_diplomacy": Topic(
            "libya_diplomacy",
            {"en": "Libya diplomacy", "fr": "Diplomatie libyenne", "ar": "الدبلوماسية الليبية"},
            "digest",
            1.0,
            (Term(1.0, entity="saddam_haftar", key="saddam_haftar"),),
        ),
    }
    return Rules(
        path="rules.yaml",
        entities=entities,
        topics=topics,
        delivery=Delivery(default_mode=default_mode, max_stories_per_digest=max_stories),  # type: ignore[arg-type]  # test values are valid modes
        access=Access(mode=access, admins=admins, allow=allow),  # type: ignore[arg-type]  # "open"/"allowlist"
    )


def story(
    sid: int,
    title: str = "",
    *,
    topics: tuple[str, ...] = ("libya_diplomacy",),
    entities: tuple[str, ...] = ("saddam_haftar",),
    sources: tuple[str, ...] = ("Outlet A",),
    at: datetime | None = None,
    url: str = "",
) -> StoryView:
    moment = at or (T0 + timedelta(minutes=sid))
    return StoryView(
        id=sid,
        title=title or f"Story number {sid}",
        url=url or f"https://news.example/{sid}?a=1&b=2",
        source=sources[0],
        lang="en",
        published=moment,
        first_seen=moment,
        last_seen=moment,
        topics=topics,
        entities=entities,
        sources=sources,
        languages=("en",),
    )


@dataclass
class Hit:
    title: str
    url: str
    source: str
    published: datetime | None
    first_seen: datetime
    sources: tuple[str, ...] = ()
    snippet: tuple[tuple[str, bool], ...] = ()


class MemoryStories:
    """A StorySource over a list, which also files each story in the `stories` table (the
    deliveries table references it)."""

    def __init__(self, store: DeliveryStore) -> None:
        self.store = store
        self.items: dict[int, StoryView] = {}

    def add(self, *views: StoryView) -> None:
        for v in views:
            self.items[v.id] = v
            self.store.conn.execute(
                "INSERT OR IGNORE INTO stories(id, title, url, source, first_seen, last_seen, sources)"
                " VALUES (?,?,?,?,?,?,?)",
                (
                    v.id,
                    v.title,
                    v.url,
                    v.source,
                    v.first_seen.isoformat(),
                    v.last_seen.isoformat(),
                    json.dumps(list(v.sources)),
                ),
            )

    def stories_since(
        self, since: datetime, topics: Collection[str] | None = None
    ) -> list[StoryView]:
        out = [s for s in self.items.values() if s.first_seen >= since]
        if topics is not None:
            out = [s for s in out if set(s.topics) & set(topics)]
        return sorted(out, key=lambda s: s.first_seen, reverse=True)

    def story(self, story_id: int) -> StoryView | None:
        return self.items.get(story_id)

    def search(self, query: str, limit: int = 10) -> list[Hit]:
        q = query.lower()
        return [
            Hit(s.title, s.url, s.source, s.published, s.first_seen, s.sources)
            for s in self.items.values()
            if q in s.title.lower()
        ][:limit]


def open_store(tmp: Path) -> DeliveryStore:
    return DeliveryStore(open_state(str(tmp)).conn)


class SimTime:
    """Virtual seconds for a Pacer (`monotonic`, `sleep`) and a FakeBotAPI (`monotonic` as its
    clock). Time moves only when every task that waits on it is asleep and no request is in
    flight (`Counted` counts them): then the earliest sleeper wakes at its own deadline. So a
    minute of throttling passes in a moment, with every party agreeing on the time."""

    def __init__(self) -> None:
        self.now = 0.0
        self.in_flight = 0
        self._sleepers: list[tuple[float, int]] = []
        self._order = itertools.count()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        deadline = self.now + max(0.0, seconds)
        if seconds > 0 and deadline == self.now:  # a real sleep of 1e-16 s still passes time
            deadline = math.nextafter(self.now, math.inf)
        me = (deadline, next(self._order))
        heapq.heappush(self._sleepers, me)
        try:
            clear = 0
            while clear < 3:  # three turns of the loop in a row with nothing else to do
                await asyncio.sleep(0.001 if self.in_flight else 0)
                clear = clear + 1 if not self.in_flight and self._sleepers[0] == me else 0
            self.now = max(self.now, me[0])
        finally:
            self._sleepers.remove(me)
            heapq.heapify(self._sleepers)


class Counted:
    """A Transport that tells a SimTime while one of its requests is in flight."""

    def __init__(self, inner: Transport, sim: SimTime) -> None:
        self.inner = inner
        self.sim = sim
        self.can_probe = inner.can_probe

    async def send(
        self,
        chat_id: int,
        text: str,
        thread_id: int | None = None,
        markup: object = None,
        *,
        preview: bool = False,
    ) -> int:
        self.sim.in_flight += 1
        try:
            return await self.inner.send(chat_id, text, thread_id, markup, preview=preview)
        finally:
            self.sim.in_flight -= 1

    async def edit(
        self,
        chat_id: int,
        message_id: int,
        text: str,
        markup: object = None,
        *,
        preview: bool = False,
    ) -> None:
        self.sim.in_flight += 1
        try:
            await self.inner.edit(chat_id, message_id, text, markup, preview=preview)
        finally:
            self.sim.in_flight -= 1

    async def probe(
        self, chat_id: int, message_id: int, text: str, *, preview: bool = False
    ) -> bool | None:
        self.sim.in_flight += 1
        try:
            return await self.inner.probe(chat_id, message_id, text, preview=preview)
        finally:
            self.sim.in_flight -= 1
