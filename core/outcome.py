"""What one poll of one source produced (the health kept between polls: core.health)."""

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
