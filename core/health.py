"""The health record kept for each source between polls (what one poll produced:
core.outcome).

A named tuple (a changed copy: `health._replace(...)`), as immutable as a frozen dataclass:
`sources` reads it at start-up, where `dataclasses` would cost a fifth of the command's
imports (bench/bench_startup.py).
"""

# No `from __future__ import annotations`: `typing.NamedTuple` would compile each annotation
# string, and the first compile() in a process costs as much as `dataclasses` (core/errors.py).
from datetime import datetime
from typing import NamedTuple


class SourceHealth(NamedTuple):
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
