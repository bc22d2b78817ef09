"""When things go out (pure): quiet hours, and when a subscriber's next digest is due.

Modes: `instant` pushes the stories of `alert: instant` topics (and surges) at once and gathers
the rest into a daily digest; `hourly` and `daily` push nothing and gather everything into a
digest at the top of each hour, or daily at the subscriber's time (delivery.service decides
what goes where). Quiet hours hold every message until they end. All wall-clock hours are in
the rules' delivery timezone; digest times come from APScheduler's CronTrigger, which keeps the
hour repeated when clocks go back.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

MODES = ("instant", "hourly", "daily")
_HHMM = re.compile(r"^([01]?\d|2[0-3])(?::?([0-5]\d))?$")
_QUIET = re.compile(r"^([01]?\d|2[0-3])(?::00)?\s*-\s*([01]?\d|2[0-3])(?::00)?$")


def zone(name: str) -> tzinfo:
    """The timezone called `name` (UTC when unknown)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def parse_hhmm(s: str) -> str | None:
    """ "7", "07:30", "0730" -> "07:30"; None when not a time of day."""
    m = _HHMM.match(s.strip())
    if not m:
        return None
    return f"{int(m.group(1)):02d}:{int(m.group(2) or 0):02d}"


def parse_quiet(s: str) -> tuple[int, int] | None:
    """ "22-07" -> (22, 7); None when malformed or empty (start == end)."""
    m = _QUIET.match(s.strip())
    if not m:
        return None
    start, end = int(m.group(1)), int(m.group(2))
    return None if start == end else (start, end)


def in_quiet(quiet: tuple[int, int] | None, now: datetime, tz: tzinfo) -> bool:
    if quiet is None:
        return False
    start, end = quiet
    hour = now.astimezone(tz).hour
    return start <= hour < end if start < end else (hour >= start or hour < end)


def release_time(quiet: tuple[int, int] | None, now: datetime, tz: tzinfo) -> datetime:
    """`now` when not in quiet hours, else the moment they end (UTC)."""
    if not in_quiet(quiet, now, tz):
        return now
    assert quiet is not None
    local = now.astimezone(tz)
    end = datetime.combine(local.date(), time(quiet[1]), tzinfo=tz)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def digest_due(mode: str, daily_at: str, last: datetime | None, now: datetime, tz: tzinfo) -> bool:
    """True when a digest boundary (top of the hour, or the daily time) passed since `last`."""
    if mode == "instant":
        return False
    if last is None:
        return True
    return next_boundary(mode, daily_at, last, tz) <= now


def next_boundary(mode: str, daily_at: str, after: datetime, tz: tzinfo) -> datetime:
    """The first digest time strictly after `after` (UTC), by APScheduler's CronTrigger: the
    top of every hour, the hour repeated when clocks go back included; or the daily time, once
    a day (in the repeated hour, its first occurrence only)."""
    if mode == "hourly":
        trigger = CronTrigger(minute=0, timezone=tz)
    else:
        hhmm = parse_hhmm(daily_at) or "07:00"
        trigger = CronTrigger(hour=int(hhmm[:2]), minute=int(hhmm[3:]), timezone=tz)
    probe = after
    while True:
        at: datetime | None = trigger.get_next_fire_time(None, probe)
        assert at is not None  # a cron trigger without an end always fires again
        # CronTrigger may hand back the fire time just passed (seconds after it, in a repeated
        # hour): look a minute on. A daily time's second occurrence (fold=1) is skipped.
        if at <= after or (mode != "hourly" and at.fold):
            probe = max(probe, at) + timedelta(minutes=1)
            continue
        return at.astimezone(UTC)
