"""What one poll of one source produced, and the health record kept for each source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.items import Item


@dataclass(frozen=True)
class PollOutcome:
    """The result of polling one source once. `error` is in words for an operator ("" when ok)."""

    source: str
    started: datetime
    finished: datetime
    ok: bool
    items: tuple[Item, ...] = ()
    status: int | None = None
    not_modified: bool = False
    error: str = ""
    etag: str = ""
    last_modified: str = ""
    hint_s: float | None = None  # TTL / Cache-Control max-age / Retry-After, seconds
    retry_after_s: float | None = None
    bytes: int = 0
    precomputed: object = None  # what the poll's parse step computed beside the items (see poll)
    # why the body was read only in part ("" when read whole): XML broken off after some items,
    # bad bytes in UTF-8, a false charset
    degraded: str = ""


@dataclass(frozen=True)
class SourceHealth:
    """Everything remembered about a source between polls (one row per source in the store)."""

    name: str
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    status: int | None = None
    items_seen: int = 0
    failures: int = 0  # consecutive failures; 0 after a success
    error_count: int = 0  # all failures ever
    last_error: str = ""
    next_check: datetime | None = None
    paused: bool = False  # by the watchers, after repeated failures (cleared by a success)
    paused_by_admin: bool = False  # /pause NAME until /resume NAME (column `held`)
    etag: str = ""
    last_modified: str = ""
    # why the last good poll read its body only in part ("" when fine): see PollOutcome
    degraded: str = ""

    @property
    def stopped(self) -> bool:
        """Not polled for now: paused after failures, or by an admin."""
        return self.paused or self.paused_by_admin
