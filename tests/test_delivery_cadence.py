"""Digest times across daylight-saving changes (delivery.cadence.next_boundary, by APScheduler's
CronTrigger): an hourly digest keeps the hour repeated when clocks go back and loses none when
they go forward; a daily digest comes once a day, even at a time the night repeats."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from delivery.cadence import digest_due, next_boundary

PARIS = ZoneInfo("Europe/Paris")


def boundaries(mode: str, daily_at: str, start: datetime, count: int) -> list[str]:
    out, at = [], start
    for _ in range(count):
        at = next_boundary(mode, daily_at, at, PARIS)
        out.append(at.strftime("%d %H:%M"))
    return out


def test_hourly_digests_keep_the_repeated_hour_when_clocks_go_back() -> None:
    # 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:00 local comes twice
    start = datetime(2026, 10, 24, 23, 30, tzinfo=UTC)  # 01:30 CEST
    assert boundaries("hourly", "07:00", start, 4) == [
        "25 00:00",
        "25 01:00",
        "25 02:00",
        "25 03:00",
    ]


def test_hourly_digests_lose_no_hour_when_clocks_go_forward() -> None:
    # 29 March 2026: 02:00 CET becomes 03:00 CEST
    start = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET
    assert boundaries("hourly", "07:00", start, 3) == ["29 01:00", "29 02:00", "29 03:00"]


def test_a_daily_digest_in_the_repeated_hour_comes_once() -> None:
    start = datetime(2026, 10, 24, 20, 0, tzinfo=UTC)
    assert boundaries("daily", "02:30", start, 3) == ["25 00:30", "26 01:30", "27 01:30"]


def test_a_digest_is_due_once_its_boundary_passed() -> None:
    last = datetime(2026, 10, 25, 0, 0, tzinfo=UTC)  # 02:00 CEST, the first 02:00
    assert not digest_due("hourly", "07:00", last, datetime(2026, 10, 25, 0, 59, tzinfo=UTC), PARIS)
    assert digest_due("hourly", "07:00", last, datetime(2026, 10, 25, 1, 0, tzinfo=UTC), PARIS)
