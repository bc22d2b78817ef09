"""Runs every source on its own clock: one APScheduler 3 job per source, rescheduled by itself.

`WatchScheduler(on_due)` keeps one date-triggered job per source on an AsyncIOScheduler (its own,
or the one python-telegram-bot's JobQueue wraps, passed in, so watchers run the same with or
without a token). Each job awaits `on_due(source)` (poll, match, store: the caller's wiring), which
returns the source's new `SourceHealth`; the job then schedules itself at `health.next_check`.
Jobs run as separate asyncio tasks, so a slow source never delays another; `max_instances=1` and
`coalesce=True` keep a source from overlapping itself, and `misfire_grace_time=None` means a
late job still runs (a date job dropped as missed would silence its source for good).
`replace(sources)` applies a live reload: unchanged sources keep their schedule, changed and new
ones run now, removed (or disabled) ones stop; `source_changes(old, new)` (pure) says which.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config.model import Source
from core.clock import Clock, SystemClock
from core.health import SourceHealth
from core.log import event

OnDue = Callable[[Source], Awaitable[SourceHealth]]
LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceChanges:
    """Sources to schedule (`added`), unschedule (`removed`) and reschedule (`changed`: the new
    definition of a source whose settings changed)."""

    added: tuple[Source, ...] = ()
    removed: tuple[Source, ...] = ()
    changed: tuple[Source, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def source_changes(old: Iterable[Source], new: Iterable[Source]) -> SourceChanges:
    """What turns the polled sources `old` into `new`, compared by name (names are unique in a
    valid rules file); a disabled source is not polled, so it counts as absent."""
    before = {source.name: source for source in old if source.enabled}
    after = {source.name: source for source in new if source.enabled}
    return SourceChanges(
        added=tuple(s for name, s in after.items() if name not in before),
        removed=tuple(s for name, s in before.items() if name not in after),
        changed=tuple(s for name, s in after.items() if name in before and before[name] != s),
    )


class WatchScheduler:
    """One self-rescheduling job per enabled source."""

    def __init__(
        self,
        on_due: OnDue,
        clock: Clock | None = None,
        *,
        scheduler: AsyncIOScheduler | None = None,
        retry_s: float = 60.0,
    ) -> None:
        self.on_due = on_due
        self.clock = clock or SystemClock()
        self.retry_s = retry_s
        self._own = scheduler is None
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self._sources: dict[str, Source] = {}

    # -- the set of sources ---------------------------------------------------------------------

    @property
    def sources(self) -> dict[str, Source]:
        return dict(self._sources)

    def add(self, source: Source, first_run: datetime | None = None) -> None:
        """Schedule `source` (first run at `first_run`, default now); replaces one of that name."""
        if not source.enabled:
            self.remove(source.name)
            return
        self._sources[source.name] = source
        self._schedule(source, first_run or self.clock.now())

    def remove(self, name: str) -> None:
        """Stop polling a source (a run in progress finishes but does not reschedule)."""
        self._sources.pop(name, None)
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(self._job_id(name))

    def replace(self, sources: Iterable[Source]) -> None:
        """Make the scheduled set equal to the enabled `sources` (live reload of rules.yaml)."""
        changes = source_changes(self._sources.values(), sources)
        for source in changes.removed:
            self.remove(source.name)
        for source in (*changes.added, *changes.changed):
            self.add(source)

    def next_run(self, name: str) -> datetime | None:
        """When a source's job runs next (None while running or unknown)."""
        job = self.scheduler.get_job(self._job_id(name))
        return None if job is None else job.next_run_time

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start the scheduler (inside a running event loop) if this object owns it."""
        if self._own and not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        """Remove every job; stop the scheduler if this object owns it."""
        for name in list(self._sources):
            self.remove(name)
        if self._own and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    # -- internals ------------------------------------------------------------------------------

    @staticmethod
    def _job_id(name: str) -> str:
        return f"watch:{name}"

    def _schedule(self, source: Source, when: datetime) -> None:
        self.scheduler.add_job(
            self._run,
            "date",
            run_date=when,
            args=[source],
            id=self._job_id(source.name),
            name=f"watch {source.name}",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )

    async def _run(self, source: Source) -> None:
        try:
            health = await self.on_due(source)
            when = health.next_check
        except asyncio.CancelledError:  # shutting down mid-poll: an orderly stop, not an error
            event("schedule", source.name, cancelled=True)
            return
        except Exception as exc:  # the callback failing must not end the source's schedule
            LOG.warning("watch job for %s failed", source.name, exc_info=True)
            event("schedule", source.name, level=logging.WARNING, error=f"{exc}")
            when = None
        now = self.clock.now()
        if when is None:
            when = now + timedelta(seconds=self.retry_s)
        if self._sources.get(source.name) is not source:
            return  # removed or replaced while it ran
        self._schedule(source, max(when, now))
