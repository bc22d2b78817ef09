"""When to poll a source next: pure rules from its health and the outcome of the last poll.

- success: the source's own interval (`every_s`), or longer when the server's hint (feed TTL,
  Cache-Control max-age) asks for it, the hint clamped to `fetch.min_every_s..max_every_s`;
- failure: exponential backoff from `every_s` (x2 per failure in a row, at most `max_every_s`),
  never sooner than a Retry-After;
- `fetch.failures_before_pause` failures in a row: the source is paused and probed every
  `fetch.pause_s`; the next success resumes it (`paused_now` / `resumed_now` tell the caller to
  notify operators);
- every interval gets a random jitter of +/- `fetch.jitter` (a fraction) so sources spread out;
- a success that read only part of the body (`outcome.degraded`) keeps its reason on the health,
  until a success reads the whole body again.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from config.model import Fetch, Source
from core.health import SourceHealth
from core.outcome import PollOutcome


def interval_after_success(source: Source, outcome: PollOutcome, fetch: Fetch) -> float:
    """Seconds until the next poll of a healthy source, before jitter."""
    base = max(1.0, source.every_s)
    if outcome.hint_s:
        hint = min(max(outcome.hint_s, fetch.min_every_s), fetch.max_every_s)
        base = max(base, hint)
    return base


def interval_after_failure(
    source: Source, failures: int, outcome: PollOutcome, fetch: Fetch
) -> float:
    """Seconds until the next try after `failures` failures in a row, before jitter."""
    if failures >= fetch.failures_before_pause:
        base = fetch.pause_s
    else:
        base = min(max(1.0, source.every_s) * 2 ** max(0, failures - 1), fetch.max_every_s)
        base = max(base, max(1.0, source.every_s))
    if outcome.retry_after_s:
        base = max(base, min(outcome.retry_after_s, fetch.max_every_s))
    return base


def jittered(seconds: float, fetch: Fetch, rng: random.Random) -> float:
    """`seconds` spread by +/- fetch.jitter (a fraction of it)."""
    spread = max(0.0, min(fetch.jitter, 0.9))
    return seconds * (1.0 + rng.uniform(-spread, spread))


def after_poll(
    health: SourceHealth,
    outcome: PollOutcome,
    source: Source,
    fetch: Fetch,
    rng: random.Random,
) -> SourceHealth:
    """The source's health after `outcome`, with its next check decided."""
    now = outcome.finished
    if outcome.ok:
        wait = jittered(interval_after_success(source, outcome, fetch), fetch, rng)
        return health._replace(
            name=source.name,
            last_attempt=outcome.started,
            last_success=now,
            status=outcome.status,
            items_seen=health.items_seen + len(outcome.items),
            failures=0,
            next_check=now + timedelta(seconds=wait),
            paused=False,
            etag=outcome.etag or health.etag,
            last_modified=outcome.last_modified or health.last_modified,
            degraded=health.degraded if outcome.not_modified else outcome.degraded,
        )
    failures = health.failures + 1
    paused = failures >= fetch.failures_before_pause
    wait = jittered(interval_after_failure(source, failures, outcome, fetch), fetch, rng)
    return health._replace(
        name=source.name,
        last_attempt=outcome.started,
        status=outcome.status,
        failures=failures,
        error_count=health.error_count + 1,
        last_error=outcome.error or "failed",
        next_check=now + timedelta(seconds=wait),
        paused=paused,
    )


def due(health: SourceHealth, now: datetime) -> bool:
    """True when the source should be polled at `now` (never polled, or its time has come)."""
    return health.next_check is None or now >= health.next_check


def paused_now(before: SourceHealth, after: SourceHealth) -> bool:
    """True when this poll paused the source (tell the operators once)."""
    return after.paused and not before.paused


def resumed_now(before: SourceHealth, after: SourceHealth) -> bool:
    """True when this poll brought a paused source back."""
    return before.paused and not after.paused


def pause_notice(health: SourceHealth) -> str:
    """A one-line notice for operators about a paused source."""
    when = health.next_check.strftime("%Y-%m-%d %H:%M UTC") if health.next_check else "later"
    return (
        f"Source {health.name!r} paused after {health.failures} failures in a row "
        f"(last error: {health.last_error}). Next probe at {when}."
    )
