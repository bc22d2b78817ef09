"""How the store writes times: ISO 8601 UTC text with seconds ('2026-08-13T04:24:00+00:00'),
one format everywhere so that text comparison is time comparison; index tables use POSIX
seconds (`epoch`).

Apart from storage.records, so that a module that writes times (`sources` reads health rows)
imports none of the records' dataclasses.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(dt: datetime) -> str:
    """`dt` as the stored text (a naive datetime is taken to be UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def iso_or_none(dt: datetime | None) -> str | None:
    return None if dt is None else iso(dt)


def parse_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    dt = datetime.fromisoformat(text)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def epoch(dt: datetime) -> float:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
