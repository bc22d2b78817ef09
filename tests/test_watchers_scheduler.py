"""WatchScheduler on APScheduler 3: each source on its own clock, a slow one delays no other."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from config.model import Source
from core.clock import SystemClock
from core.health import SourceHealth
from watchers.scheduler import WatchScheduler, source_changes

CLOCK = SystemClock()


def soon(name: str, seconds: float = 0.02) -> SourceHealth:
    return SourceHealth(name=name, next_check=CLOCK.now() + timedelta(seconds=seconds))


async def test_a_slow_source_never_delays_another():
    log: list[tuple[str, str]] = []
    fast_runs_while_slow_waits = asyncio.Event()
    fast_count = 0

    async def on_due(source: Source) -> SourceHealth:
        nonlocal fast_count
        log.append(("start", source.name))
        if source.name == "slow":
            # Finishes only once "fast" has run three more times: a blocked "fast" deadlocks.
            await asyncio.wait_for(fast_runs_while_slow_waits.wait(), timeout=10)
        else:
            fast_count += 1
            if fast_count >= 4:
                fast_runs_while_slow_waits.set()
        log.append(("end", source.name))
        return soon(source.name)

    sched = WatchScheduler(on_due)
    sched.start()
    try:
        sched.add(Source(name="slow", kind="rss", every_s=1, url="http://x.test/slow"))
        sched.add(Source(name="fast", kind="rss", every_s=1, url="http://x.test/fast"))
        await asyncio.wait_for(fast_runs_while_slow_waits.wait(), timeout=10)
        while ("end", "slow") not in log:
            await asyncio.sleep(0.01)
    finally:
        sched.shutdown()
    slow_start = log.index(("start", "slow"))
    slow_end = log.index(("end", "slow"))
    fast_inside = [e for e in log[slow_start:slow_end] if e == ("end", "fast")]
    assert len(fast_inside) >= 3
    # "slow" never overlapped itself
    assert log.count(("start", "slow")) - log.count(("end", "slow")) <= 1


async def test_each_job_reschedules_from_next_check_and_reload_applies():
    runs: dict[str, int] = {}
    failing_done = asyncio.Event()

    async def on_due(source: Source) -> SourceHealth:
        runs[source.name] = runs.get(source.name, 0) + 1
        if source.name == "broken":
            if runs["broken"] >= 2:
                failing_done.set()
            raise RuntimeError("callback blew up")
        if source.name == "hourly":
            return SourceHealth(name=source.name, next_check=CLOCK.now() + timedelta(hours=1))
        return soon(source.name)

    sched = WatchScheduler(on_due, retry_s=0.02)
    sched.start()
    try:
        a = Source(name="a", kind="rss", every_s=1, url="http://x.test/a")
        hourly = Source(name="hourly", kind="rss", every_s=3600, url="http://x.test/h")
        broken = Source(name="broken", kind="rss", every_s=1, url="http://x.test/b")
        sched.replace([a, hourly, broken])
        # a raising callback is retried after retry_s instead of ending the source's schedule
        await asyncio.wait_for(failing_done.wait(), timeout=10)
        while runs.get("a", 0) < 3:
            await asyncio.sleep(0.01)
        assert runs["hourly"] == 1
        next_hourly = sched.next_run("hourly")
        assert next_hourly is not None and next_hourly > CLOCK.now() + timedelta(minutes=59)
        # reload: "a" removed, "hourly" unchanged keeps its schedule, "hourly2" new
        hourly2 = Source(name="hourly2", kind="rss", every_s=3600, url="http://x.test/h2")
        sched.replace([hourly, hourly2])
        assert sched.next_run("a") is None and sched.next_run("hourly") == next_hourly
        a_runs = runs["a"]
        while runs.get("hourly2", 0) < 1:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        assert runs["a"] <= a_runs + 1  # at most the run already under way when removed
        assert set(sched.sources) == {"hourly", "hourly2"}
    finally:
        sched.shutdown()


def test_source_changes_by_name_with_disabled_sources_absent():
    def src(name: str, every_s: float = 3600, enabled: bool = True) -> Source:
        return Source(name=name, kind="file", every_s=every_s, path=name, enabled=enabled)

    old = [src("A"), src("B"), src("C"), src("E", enabled=False), src("F")]
    new = [src("A"), src("C", every_s=300), src("D"), src("E"), src("F", enabled=False)]
    changes = source_changes(old, new)
    assert [s.name for s in changes.added] == ["D", "E"]
    assert [s.name for s in changes.removed] == ["B", "F"]
    assert [(s.name, s.every_s) for s in changes.changed] == [("C", 300)]
    assert not source_changes(old, old)
