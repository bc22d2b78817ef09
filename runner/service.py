"""The running system: every stage wired on one APScheduler, for `run` (forever) and `once`.

`Service` owns the edges' resources (the state folder's lock, the database connection, checked
for corruption at start, the HTTP client, the bot, its Prometheus metrics), builds the pipeline
and the delivery service for the current rules, and implements the operator actions (pause,
resume, reload, health) that bot commands and the live-reload watcher call. Rules are swapped in
one step after they validate; a broken edit leaves the old rules running, and once good rules
are applied after a refused edit the admins are told the rules are running again.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import TextIO, cast

import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config import Rules, load_rules
from config.model import Fetch, Source
from core.clock import Clock, SystemClock
from core.errors import RulesError
from core.health import SourceHealth
from core.log import event
from core.story import StoryNews
from delivery.app import build_service
from delivery.service import DeliveryService
from ops.metrics import Metrics
from ops.reload import file_digest
from runner.cycle import CycleReport, Pipeline
from runner.parsepool import ParsePool, make_parse_pool, parse_workers
from runner.writes import OnWriter, Writes
from storage.connect import DB_NAME, state_dir
from storage.db import check_integrity, connect, migrate
from storage.delivery_store import DeliveryStore
from storage.statelock import StateLock
from storage.store import Store
from watchers.http import Fetcher, make_client
from watchers.scheduler import WatchScheduler

LOG = logging.getLogger(__name__)


@dataclass
class DeliverySink:
    """The pipeline's view of delivery: new stories become alerts, notices go to the admins."""

    delivery: DeliveryService

    async def fan_out(self, news: Sequence[StoryNews]) -> None:
        for item in news:
            if item.kind == "new":
                self.delivery.on_new_story(item.story)
            self.delivery.on_story_grew(item.story)

    async def notify_admins(self, text: str) -> None:
        sent = self.delivery.notify_admins(text)
        event("notice", "operators", admins=sent, text=text, level=logging.WARNING)


class Service:
    """One Sahel Watch instance over a state folder and a rules file."""

    def __init__(
        self,
        rules_path: str,
        state: str | None = None,
        *,
        clock: Clock | None = None,
        token: str | None = None,
        api_url: str | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.rules_path = rules_path
        self.rules: Rules = load_rules(rules_path)  # RulesError goes to the caller
        self.clock = clock or SystemClock()
        folder = state_dir(state)
        # One service per state folder (StoreError naming the holder), then the database,
        # refused when corrupt
        self.lock = StateLock.acquire(folder)
        try:
            self.db = connect(folder / DB_NAME)
            check_integrity(self.db)
            migrate(self.db)
        except BaseException:
            self.lock.release()
            raise
        self.store = Store(self.db, self.clock, self.rules.stories)
        # One thread writes the database, `writes`'s: the pipeline's batches, and every call of
        # delivery's store (`call_now`, between two jobs of a batch). The loop reads the store
        # through `store.reads`, a connection of its own.
        self.writes = Writes(self.store)
        self.delivery_store = cast(
            DeliveryStore,
            OnWriter(DeliveryStore(self.db.conn), self.writes, nested=("edits", "figures")),
        )
        self.metrics = Metrics()  # what /metrics serves (runner.live)
        self.metrics.outbox_depth.set_function(self._outbox_depth)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.client = make_client(self.rules.fetch)
        self.fetcher = Fetcher(self.client, self.rules.fetch, self.clock)
        self.delivery = build_service(
            self.rules,
            self.delivery_store,
            self.store,
            ops=self,
            scheduler=self.scheduler,
            clock=self.clock,
            token=token,
            api_url=api_url,
            stream=stream,
            metrics=self.metrics,
        )
        self.sink = DeliverySink(self.delivery)
        # `fetch: parse_workers`; its processes start with the first polls, stop with the service
        self.parse_pool: ParsePool = make_parse_pool(self.rules.fetch)
        self.pipeline = Pipeline(
            self.rules, self.store, self.fetcher, self.sink, self.clock,
            parse_pool=self.parse_pool, writes=self.writes, metrics=self.metrics,
        )  # fmt: skip
        self.applied_digest = file_digest(rules_path)
        self.refused_edit = False  # an edit was refused, and no good rules came since
        self.watch = WatchScheduler(self._poll, self.clock, scheduler=self.scheduler)
        self.last_success: datetime | None = None
        self.ready = False
        self._closing: set[asyncio.Task[None]] = set()  # old HTTP clients closing after a reload

    # -- the cycle ------------------------------------------------------------------------------

    async def _poll(self, source: Source) -> SourceHealth:
        health = await self.pipeline.poll_source(source)
        if health.failures == 0 and health.last_success is not None:
            self.last_success = health.last_success
            self.metrics.last_cycle_success_timestamp.set(health.last_success.timestamp())
        return health

    async def once(
        self, only: Sequence[str] | None = None, drain_timeout_s: float = 60.0
    ) -> list[CycleReport]:
        """Poll every source once (or only the sources named `only`), deliver what came of
        it, and stop. When the Bot API cannot be reached, what was to be sent stays in the
        outbox for the next run."""
        sources = None if only is None else [s for s in self.rules.sources if s.name in only]
        await self.delivery.start()
        try:
            await self.pipeline.fan_out()  # what a crash left owed
            reports = await self.pipeline.run_once(sources)
            if any(r.ok for r in reports):
                self.last_success = self.clock.now()
                self.metrics.last_cycle_success_timestamp.set(self.last_success.timestamp())
            self.delivery.run_digests()
            if self.delivery.telegram in ("terminal", "connected"):
                await self.delivery.sender.drain(drain_timeout_s)
            else:
                event(
                    "telegram", "delivery", level=logging.WARNING, state=self.delivery.telegram,
                    error=self.delivery.telegram_error,
                    left_in_outbox=self.delivery_store.figures.pending_count(),
                )  # fmt: skip
        finally:
            await self.delivery.stop()
        return reports

    async def run(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set: watchers on their schedules, digests, the bot. A rejected
        token (TokenRejected) stops it before anything is polled; an unreachable Bot API does
        not (delivery keeps trying)."""
        await self.delivery.start()
        self.watch.replace(self.rules.sources)
        self.scheduler.add_job(
            self.prune, "interval", hours=24, id="storage:prune", replace_existing=True,
            max_instances=1, coalesce=True, next_run_time=self.clock.now(),
        )  # fmt: skip
        if not self.scheduler.running:
            self.scheduler.start()
        await self.pipeline.fan_out()  # what a crash left owed
        self.ready = True
        event("service", "runner", state="running", sources=len(self.rules.sources))
        try:
            await stop.wait()
        finally:
            self.ready = False
            event("service", "runner", state="stopping")
            self.watch.shutdown()
            self._stop_parsing()  # polls still in flight end as cancelled
            await self.delivery.stop()
            if self.scheduler.running:
                self.scheduler.shutdown(wait=False)

    def _stop_parsing(self) -> None:
        """Stop the parse workers: parses not started are cancelled, running ones (milliseconds)
        finish; no waiting here."""
        self.parse_pool.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        self._stop_parsing()
        await asyncio.to_thread(self.parse_pool.join)
        for task in list(self._closing):
            task.cancel()
        await self.client.aclose()
        await self.writes.close()  # what polls queued is written, or fails in words
        self.store.close()  # stops the WAL checkpoint thread; closes the shared connection
        self.lock.release()  # another service may start on this folder now

    async def prune(self) -> int:
        """Drop items older than `stories.retention` (stories deliveries refer to are kept)."""
        job = partial(self.store.prune, self.clock.now(), self.rules.stories.retention_days)
        removed = await self.writes.run(job, size=self.writes.max_size)  # a batch of its own
        event("prune", "storage", removed=removed)
        return removed

    # -- operator actions (Operations protocol of delivery) --------------------------------------

    def pause(self, name: str) -> bool:
        if name not in {s.name for s in self.rules.sources}:
            return False
        self.pipeline.pause_by_admin(name, True)
        event("pause", name, by="admin")
        return True

    def resume(self, name: str) -> bool:
        if name not in self.pipeline.paused_by_admin():
            return False
        self.pipeline.pause_by_admin(name, False)
        source = next((s for s in self.rules.sources if s.name == name), None)
        if source is not None and self.watch.sources:
            self.watch.add(source)  # poll it now
        event("resume", name, by="admin")
        return True

    def reload(self) -> list[str]:
        """Load rules.yaml again; apply it when valid. The errors ([] when applied)."""
        digest = file_digest(self.rules_path)
        try:
            rules = load_rules(self.rules_path)
        except RulesError as exc:
            errors = [str(issue) for issue in exc.issues]
            self.refused_edit = True
            event("reload", "rules", ok=False, errors=len(errors), level=logging.WARNING)
            return errors
        self.apply(rules)
        self.applied_digest = digest
        return []

    def apply(self, rules: Rules) -> None:
        """Swap in validated rules: matcher, delivery labels, fetch limits, story settings, and
        the set of scheduled sources. After a refused edit, the admins are told."""
        http_of = partial(Fetch._replace, parse_workers=None)  # what the HTTP client is built from
        if http_of(rules.fetch) != http_of(self.rules.fetch):
            old = self.client
            self.client = make_client(rules.fetch)
            self.fetcher = Fetcher(self.client, rules.fetch, self.clock)
            self.pipeline.fetcher = self.fetcher  # polls in flight finish on the old client
            self._later(_close_later(old, rules.fetch.total_timeout_s))
        workers = parse_workers(rules.fetch)
        if workers != self.parse_pool.workers:  # parses in flight finish where they are
            self.parse_pool.resize(workers)
        self.store.settings = rules.stories
        self.pipeline.use(rules)
        self.delivery.update_rules(rules)
        self.rules = rules
        if self.watch.sources or self.scheduler.running:
            self.watch.replace(rules.sources)
        event("reload", "rules", ok=True, topics=len(rules.topics), sources=len(rules.sources))
        if self.refused_edit:
            self.refused_edit = False
            self.delivery.notify_admins(
                f"{self.rules_path} is valid again: its rules are running now"
                f" ({len(rules.topics)} topics, {len(rules.sources)} sources).",
                mark="✅",
            )

    def _later(self, job: Coroutine[None, None, None]) -> None:
        """Run a deferred clean-up (cancelled, so run at once, by `close`)."""
        task = asyncio.get_running_loop().create_task(job)
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    def health(self) -> dict[str, SourceHealth]:
        # the pipeline, health's one writer, keeps every source's row: no read of the table
        return {s.name: self.pipeline.health(s.name) for s in self.rules.sources}

    def _outbox_depth(self) -> float:
        """The outbox_depth gauge, read when /metrics is scraped (on the event loop): an indexed
        COUNT, run by the store's one writer (`delivery_store` is an OnWriter) between two jobs
        of a batch. NaN when it cannot be read (the store is closed)."""
        try:
            return float(self.delivery_store.figures.pending_count())
        except sqlite3.Error:
            return math.nan

    def status(self) -> dict[str, object]:
        """What /healthz reports."""
        pending = self.delivery_store.figures.pending_count()
        return {
            "ready": self.ready,
            "last_successful_cycle": self.last_success.isoformat() if self.last_success else None,
            "pending_outbox": pending,
            "sources": len(self.rules.sources),
            "paused": self.pipeline.paused_by_admin(),
            "telegram": self.delivery.telegram,
            **({"telegram_error": self.delivery.telegram_error}
               if self.delivery.telegram_error else {}),
        }  # fmt: skip


async def _close_later(client: httpx.AsyncClient, after_s: float) -> None:
    """Close a replaced HTTP client once the polls that were using it must have ended."""
    try:
        await asyncio.sleep(after_s)
    finally:
        await client.aclose()
