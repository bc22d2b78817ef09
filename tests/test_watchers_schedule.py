"""The pure scheduling rules: interval and jitter, hints within bounds, backoff, pause, resume."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from config.model import Fetch, Source
from core.clock import FixedClock
from core.health import SourceHealth
from core.outcome import PollOutcome
from watchers.schedule import after_poll, due, pause_notice, paused_now, resumed_now

T0 = datetime(2026, 8, 13, 6, 0, tzinfo=UTC)
SRC = Source(name="s", kind="rss", every_s=300, url="http://x.test/feed")
NOJIT = Fetch(jitter=0, min_every_s=60, max_every_s=3600, failures_before_pause=3, pause_s=7200)


def ok(clock: FixedClock, items: int = 2, hint: float | None = None) -> PollOutcome:
    return PollOutcome(
        source="s", started=clock.now(), finished=clock.now(), ok=True, status=200,
        items=(), hint_s=hint, etag='"e1"',
    )  # fmt: skip


def fail(clock: FixedClock, error: str = "HTTP 500", retry: float | None = None) -> PollOutcome:
    return PollOutcome(
        source="s", started=clock.now(), finished=clock.now(), ok=False, status=500,
        error=error, retry_after_s=retry, hint_s=retry,
    )  # fmt: skip


def wait_s(health: SourceHealth, clock: FixedClock) -> float:
    assert health.next_check is not None
    return (health.next_check - clock.now()).total_seconds()


def test_success_uses_the_interval_and_keeps_validators():
    clock = FixedClock(T0)
    health = after_poll(SourceHealth(name="s"), ok(clock), SRC, NOJIT, random.Random(1))
    assert wait_s(health, clock) == 300
    assert health.etag == '"e1"' and health.last_success == T0 and health.failures == 0


def test_jitter_stays_within_its_fraction_and_varies():
    clock = FixedClock(T0)
    fetch = Fetch(jitter=0.1)
    rng = random.Random(7)
    waits = {
        wait_s(after_poll(SourceHealth(name="s"), ok(clock), SRC, fetch, rng), clock)
        for _ in range(50)
    }
    assert all(270 <= w <= 330 for w in waits)
    assert len(waits) > 40


def test_hint_is_respected_within_min_and_max():
    clock = FixedClock(T0)
    rng = random.Random(1)
    assert (
        wait_s(after_poll(SourceHealth(name="s"), ok(clock, hint=1800), SRC, NOJIT, rng), clock)
        == 1800
    )
    assert (
        wait_s(after_poll(SourceHealth(name="s"), ok(clock, hint=10**6), SRC, NOJIT, rng), clock)
        == 3600
    )
    # a hint shorter than the source's own interval never makes it poll more often
    assert (
        wait_s(after_poll(SourceHealth(name="s"), ok(clock, hint=5), SRC, NOJIT, rng), clock) == 300
    )


def test_backoff_doubles_then_pauses_then_resumes():
    clock = FixedClock(T0)
    rng = random.Random(1)
    health = SourceHealth(name="s")
    waits = []
    for _ in range(4):
        before = health
        health = after_poll(health, fail(clock), SRC, NOJIT, rng)
        waits.append(wait_s(health, clock))
        if health.failures == 3:
            assert paused_now(before, health)
            assert "paused after 3 failures" in pause_notice(health)
        clock.advance(wait_s(health, clock))
        assert due(health, clock.now())
    assert waits == [300, 600, 7200, 7200]
    assert health.paused and health.failures == 4 and health.error_count == 4
    assert health.last_error == "HTTP 500"
    before = health
    health = after_poll(health, ok(clock), SRC, NOJIT, rng)
    assert resumed_now(before, health) and not health.paused and health.failures == 0
    assert health.error_count == 4 and wait_s(health, clock) == 300


def test_backoff_is_capped_and_retry_after_wins():
    clock = FixedClock(T0)
    fetch = Fetch(jitter=0, max_every_s=1000, failures_before_pause=50)
    health = SourceHealth(name="s", failures=10)
    assert wait_s(after_poll(health, fail(clock), SRC, fetch, random.Random(1)), clock) == 1000
    fresh = after_poll(SourceHealth(name="s"), fail(clock, retry=900), SRC, fetch, random.Random(1))
    assert wait_s(fresh, clock) == 900


def test_due():
    assert due(SourceHealth(name="s"), T0)
    later = SourceHealth(name="s", next_check=T0 + timedelta(seconds=1))
    assert not due(later, T0) and due(later, T0 + timedelta(seconds=1))
