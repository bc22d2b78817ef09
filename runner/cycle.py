"""One source's trip through the flow: poll -> match (-> full text) -> store -> hand to delivery.

`Pipeline.poll_source(source)` is what the scheduler calls when a source is due and what `once`
calls for every source. It never raises for a source's failure: the failure lands on that
source's health (and, when the source gets paused, in a notice to the operators), and the other
sources carry on. Each stage logs one structured event with the source's name.

Parsing (feedparser, pure Python) runs in a `runner.parsepool.ParsePool` of worker processes when
`fetch: parse_workers` asks for one, so it spreads over the cores. Those workers also match each
poll's reports and prepare their rows (runner.prework), with rules tagged by a generation that a
reload of entities or topics renews; without workers, or when a worker answers for other rules,
matching happens here.
Storing stays in this process (the store has one writer): polls' reports and health go through
one `runner.writes.Writes` queue, so that polls finishing together share a transaction, written
by its writer thread while the loop awaits; the loop's reads (`seen`, what is owed) use the
store's read connection.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Protocol

from config.model import Rules, Source
from core.clock import Clock
from core.errors import SahelWatchError
from core.faults import crash_point
from core.health import SourceHealth
from core.items import Item
from core.log import event
from core.outcome import PollOutcome
from core.story import StoryNews
from matching.engine import Matcher
from matching.result import MatchResult
from ops.metrics import Metrics
from runner import prework
from runner.parsepool import RulesAware, parse_in
from runner.writes import Writes
from storage.prepare import Prepared
from storage.store import Store
from watchers.fulltext import enrich
from watchers.http import Fetcher
from watchers.poll import in_thread, poll
from watchers.schedule import after_poll, pause_notice, paused_now, resumed_now

LOG = logging.getLogger(__name__)
HEADLINE_ONLY = 10  # a summary adding fewer words than this to the title carries no more news
POLLS_PER_REQUEST = 2  # polls in flight for each request `fetch: concurrency` allows


class StorySink(Protocol):
    """Where news of stories and operator notices go (delivery, or a test double)."""

    async def fan_out(self, news: Sequence[StoryNews]) -> None:
        """Queue what `news` implies (alerts, edits); durable once this returns."""
        ...

    async def notify_admins(self, text: str) -> None: ...


@dataclass
class CycleReport:
    """What one poll of one source did (for `once`, tests and metrics)."""

    source: str
    ok: bool
    error: str = ""
    items: int = 0
    new_items: int = 0
    matched: int = 0
    stories: list[int] = field(default_factory=list)


class Pipeline:
    """The stages wired together for the current rules (swap `rules` to reload)."""

    def __init__(
        self,
        rules: Rules,
        store: Store,
        fetcher: Fetcher,
        sink: StorySink,
        clock: Clock,
        rng: random.Random | None = None,
        *,
        parse_pool: Executor | None = None,
        writes: Writes | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.writes = writes or Writes(store)  # the one writer of `store`
        self.fetcher = fetcher
        self.sink = sink
        self.clock = clock
        self.parse_pool = parse_pool  # None: parse in a worker thread
        self.rng = rng or random.Random()
        # Every source's health, read once: the pipeline is its only writer (one read per poll
        # of the whole table made a 1,000-source cycle quadratic).
        self._health: dict[str, SourceHealth] | None = None
        self.reports: list[CycleReport] = []
        self._owed = asyncio.Lock()  # one hand-over to delivery at a time
        self._slots = asyncio.Semaphore(polls_in_flight(rules))
        self.generation = 0  # of the matching rules: see `use`
        self.rules: Rules = rules
        self.use(rules)

    def use(self, rules: Rules) -> None:
        """Switch to new rules (already validated): one assignment, so in-flight polls finish
        with the matcher they started with. When what matching depends on changed (entities,
        topics), the rules get a new generation and the parse workers are restarted with them
        (runner.prework); answers of the old ones are then matched again here."""
        matcher = Matcher.from_rules(rules)
        if self.generation == 0 or prework.matching_part(rules) != prework.matching_part(
            self.rules
        ):
            self.generation = prework.new_generation()
        if polls_in_flight(rules) != polls_in_flight(self.rules):  # polls holding one finish
            self._slots = asyncio.Semaphore(polls_in_flight(rules))
        self.rules, self.matcher = rules, matcher
        if isinstance(self.parse_pool, RulesAware):
            self.parse_pool.use_rules(rules, self.generation)

    def _healths(self) -> dict[str, SourceHealth]:
        if self._health is None:
            self._health = self.store.load_health()
        return self._health

    def health(self, name: str) -> SourceHealth:
        return self._healths().get(name) or SourceHealth(name=name)

    def pause_by_admin(self, name: str, paused: bool) -> None:
        """Pause (`paused`) or resume a source for an admin; stored, so it survives a restart.
        Only that is written: a poll's health may be on its way to the store meanwhile."""
        self._healths()[name] = self.health(name)._replace(paused_by_admin=paused)
        self.writes.call_now(partial(self.store.save_paused_by_admin, name, paused))

    def paused_by_admin(self) -> list[str]:
        """The sources an admin has paused."""
        return sorted(name for name, h in self._healths().items() if h.paused_by_admin)

    async def _store_health(self, health: SourceHealth) -> SourceHealth:
        """Save a poll's health in the next batch of writes. An admin's /pause or /resume
        (`pause_by_admin`, written at once, alone) that came while the poll was in flight,
        while this waited for its batch, or after it, stands."""
        # The admin's flag is read here, on the loop, never on the writer thread: a stored
        # source keeps its own (save_health leaves it alone), a new one is stored with it.
        flagged = health._replace(paused_by_admin=self.health(health.name).paused_by_admin)
        await self.writes.run(partial(self.store.save_health, flagged))
        saved = health._replace(paused_by_admin=self.health(health.name).paused_by_admin)
        self._healths()[health.name] = saved
        return saved

    async def poll_source(self, source: Source) -> SourceHealth:
        """Poll `source` and take what it brought through the stages (see the module
        docstring), then save its health. At most `polls_in_flight` polls are between their
        request and their reports written: when the writer is the slowest stage (a first cycle
        of many feeds), the others wait to be fetched rather than in memory, parsed and
        matched."""
        before = self.health(source.name)
        if before.paused_by_admin:
            event("poll", source.name, skipped="paused by an admin")
            return before
        async with self._slots:
            rules = self.rules  # the rules the poll starts with, as its matcher
            outcome, report = await self._fetch_and_store(source, before)
        after = await self._store_health(after_poll(before, outcome, source, rules.fetch, self.rng))
        if paused_now(before, after):
            await self.sink.notify_admins(pause_notice(after))
        elif resumed_now(before, after):
            await self.sink.notify_admins(f"Source {source.name!r} is back: it answered again.")
        self.reports.append(report)
        return after

    async def _fetch_and_store(
        self, source: Source, before: SourceHealth
    ) -> tuple[PollOutcome, CycleReport]:
        """Poll `source`, then match and store what it brought (a store failure counts on the
        source: the outcome keeps the old validators, so the next poll reads them again)."""
        matcher, generation = self.matcher, self.generation
        outcome = await poll(
            source, before, self.fetcher, self.clock, seen=self.store.seen,
            parse=partial(prework.parse_and_prepare, now=self.clock.now(), generation=generation),
            parse_in=in_thread if self.parse_pool is None else partial(parse_in, self.parse_pool),
        )  # fmt: skip
        report = CycleReport(source.name, outcome.ok, outcome.error, len(outcome.items))
        m = self.metrics
        m.polls.labels(source=source.name, ok="true" if outcome.ok else "false").inc()
        m.poll_seconds.labels(source=source.name).observe(
            (outcome.finished - outcome.started).total_seconds()
        )
        m.items.labels(source=source.name).inc(len(outcome.items))
        if not outcome.ok:
            m.poll_errors.labels(source=source.name).inc()
        if outcome.items:
            try:
                await self._process(
                    source, outcome.items, matcher, generation, outcome.precomputed, report
                )
            except SahelWatchError as exc:  # e.g. the database refused: count it on the source
                event("store", source.name, level=logging.ERROR, error=str(exc))
                report.ok, report.error = False, f"storing failed: {exc}"
                outcome = replace(
                    outcome, ok=False, error=report.error,
                    etag=before.etag, last_modified=before.last_modified,
                )  # fmt: skip
        return outcome, report

    async def _process(
        self,
        source: Source,
        items: Sequence[Item],
        matcher: Matcher,
        generation: int,
        precomputed: object,
        report: CycleReport,
    ) -> None:
        kinds = matcher.rules.entity_kinds()  # the matcher's own rules
        from_worker = prework.worker_matches(precomputed, items, generation)
        if from_worker is None:
            results: list[MatchResult] = [matcher.match_item(item) for item in items]
            prepared: list[Prepared | None] = [None] * len(items)
        else:
            results, prepared = from_worker
        near = {
            item.guid
            for item, result in zip(items, results, strict=True)
            if not item.text
            and _headline_only(item)
            and _near_miss(result)
            and not self.store.seen(item)
        }
        if near:
            enriched = await enrich(items, self.fetcher, want=lambda i: i.guid in near)
            for index, item in enumerate(enriched):
                if item.text and item.guid in near:
                    results[index] = matcher.match_item(item)
                    prepared[index] = None  # the text changed: the store prepares it
            items = enriched
        report.matched = sum(1 for r in results if r.matched_topics)
        for result in results:
            for topic in result.matched_topics:
                self.metrics.matches.labels(topic=topic).inc()
        event(
            "match",
            source.name,
            items=len(items),
            matched=report.matched,
            full_text=len(near),
        )
        pairs = list(zip(items, results, strict=True))
        stored = await self.writes.run(
            partial(self.store.ingest_many, pairs, kinds, prepared), size=len(pairs)
        )
        crash_point("stored")
        fresh = 0
        for outcome in stored:
            report.new_items += int(outcome.is_new)
            self.metrics.stories.inc(int(outcome.story_is_new))
            if outcome.new_topics:  # a new story with topics, or topics new to its story
                fresh += 1
                report.stories.append(outcome.story_id)
        event("store", source.name, items=len(items), new=report.new_items, stories=fresh)
        await self.fan_out()

    async def fan_out(self) -> int:
        """Hand delivery what storing made due (`Store.owed`), and settle it once delivery has
        queued it: a crash in between leaves it owed, to be handed over at the next start
        (delivery never queues one story twice for a chat). Returns the records settled."""
        settled = 0
        async with self._owed:
            while True:
                news, gone = self.store.owed()
                if gone:  # stories pruned meanwhile: nothing to hand over
                    await self.writes.run(partial(self.store.settle, gone))
                if not news:
                    break
                await self.sink.fan_out(news)
                crash_point("queued")
                await self.writes.run(partial(self.store.settle, [n.id for n in news]))
                settled += len(news)
        return settled

    async def run_once(self, sources: Sequence[Source] | None = None) -> list[CycleReport]:
        """Poll every enabled source once, concurrently; return one report per source."""
        chosen = [s for s in (sources or self.rules.sources) if s.enabled]
        self.reports = []
        await asyncio.gather(*(self.poll_source(s) for s in chosen))
        return list(self.reports)


def polls_in_flight(rules: Rules) -> int:
    """How many polls may run at once: twice the requests `fetch: concurrency` allows, so that
    HTTP stays as busy as it may while a poll's reports wait for the writer."""
    return POLLS_PER_REQUEST * max(1, rules.fetch.concurrency)


def _headline_only(item: Item) -> bool:
    """Whether the feed gave only a headline (no summary, or one that repeats the title, as
    Google News does): only then can the article's full text change the verdict."""
    title = set(item.title.casefold().split())
    extra = (word for word in item.summary.casefold().split() if word not in title)
    return sum(1 for _ in zip(extra, range(HEADLINE_ONLY), strict=False)) < HEADLINE_ONLY


def _near_miss(result: MatchResult) -> bool:
    """A headline that is a near miss for a topic (matching.result.NEAR_MISS: half its
    threshold) is worth reading in full."""
    return any(t.near_miss for t in result.topics)
