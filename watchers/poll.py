"""One poll of one source: fetch (conditionally), parse, optionally add full text; never raises.

`poll(source, health, fetcher, clock)` returns a `PollOutcome`: ok with items (or not_modified),
or not ok with the error in words. Every failure of the source (FetchError, ParseError, anything
unexpected) is caught here, so one dead or hostile source never stops a cycle. The outcome carries
the scheduling hints the server gave: the feed's `<ttl>`, Cache-Control max-age, Retry-After.
The source's kind (watchers.kinds) says where it is read (an address, or files on disk) and how
its bodies are parsed; where a parse runs is the caller's (`parse_in`: a worker thread unless
told otherwise, runner.parsepool's worker processes in the service).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from config.model import Source
from core.clock import Clock
from core.errors import FetchError, ParseError, SourceError
from core.health import SourceHealth
from core.items import Item
from core.log import event
from core.outcome import PollOutcome
from watchers import files
from watchers.fulltext import enrich
from watchers.http import Fetcher, Response
from watchers.kinds import kind_of, source_url
from watchers.rss import ParsedFeed

Seen = Callable[[Item], bool]


@dataclass(frozen=True)
class Parsed:
    """What a parse step gives for one body: the items, the feed's TTL hint, and `precomputed`:
    whatever the caller's parse step computed beside them (runner.prework: each item's match
    and prepared rows), passed through to `PollOutcome.precomputed` as it is, or dropped (None)
    when full text changes the items after the parse; `degraded`: why the body was only partly
    readable ("" when it was read whole)."""

    items: list[Item]
    ttl_s: float | None = None
    precomputed: object = None
    degraded: str = ""  # why the body was read only in part (see core.health.PollOutcome)


ParseStep = Callable[[Source, Response], Parsed]
# Where a parse step runs: the step and its arguments in, its Parsed out (ParseError for a body
# it cannot read).
ParseIn = Callable[[ParseStep, Source, Response], Awaitable[Parsed]]


def parse_response(source: Source, response: Response) -> ParsedFeed:
    """Items, the feed's TTL hint and what was unreadable, from a fetched body, by kind."""
    return kind_of(source).parse(response.body, source, response.headers, response.final_url)


def parse_step(source: Source, response: Response) -> Parsed:
    """The plain parse step: `parse_response`, nothing beside."""
    feed = parse_response(source, response)
    return Parsed(feed.items, feed.ttl_s, degraded=feed.degraded)


async def in_thread(parse: ParseStep, source: Source, response: Response) -> Parsed:
    """`parse` in a worker thread: the default `parse_in`."""
    return await asyncio.to_thread(parse, source, response)


def max_age(headers: Mapping[str, str]) -> float | None:
    """Cache-Control max-age (or s-maxage) in seconds, when the server sent one."""
    best: float | None = None
    for part in headers.get("cache-control", "").split(","):
        key, _, value = part.strip().partition("=")
        if key.lower() in ("max-age", "s-maxage") and value.strip().strip('"').isdigit():
            seconds = float(value.strip().strip('"'))
            best = seconds if best is None else max(best, seconds)
    return best


def _hint(*values: float | None) -> float | None:
    present = [v for v in values if v is not None and v > 0]
    return max(present) if present else None


async def poll(
    source: Source,
    health: SourceHealth,
    fetcher: Fetcher,
    clock: Clock,
    *,
    seen: Seen | None = None,
    parse: ParseStep = parse_step,
    parse_in: ParseIn = in_thread,
) -> PollOutcome:
    """Poll `source` once. `seen(item)` (optional) tells which items are already stored, so a
    `full_text` source fetches articles only for new ones. A fetched body is parsed by `parse`
    (a picklable function), run by `parse_in` (a worker thread by default); what it computes
    beside the items arrives in the outcome's `precomputed`, unless full text changed the items
    after it."""
    started = clock.now()
    t0 = clock.monotonic()
    try:
        if kind_of(source).build_url is None:
            outcome = await _poll_files(source, health, fetcher, started)
        else:
            outcome = await _poll_http(source, health, fetcher, started, seen, parse, parse_in)
    except SourceError as exc:
        outcome = PollOutcome(
            source=source.name,
            started=started,
            finished=clock.now(),
            ok=False,
            status=getattr(exc, "status", None),
            error=str(exc) or type(exc).__name__,
            etag=health.etag,
            last_modified=health.last_modified,
            retry_after_s=getattr(exc, "retry_after", None),
            hint_s=getattr(exc, "retry_after", None),
        )
    except Exception as exc:  # a source must never stop the cycle, whatever it sends
        logging.getLogger(__name__).warning(
            "poll of %s failed unexpectedly", source.name, exc_info=True
        )
        outcome = PollOutcome(
            source=source.name,
            started=started,
            finished=clock.now(),
            ok=False,
            error=f"unexpected {type(exc).__name__}: {exc}",
            etag=health.etag,
            last_modified=health.last_modified,
        )
    else:
        outcome = replace(outcome, finished=clock.now())
    event(
        "poll",
        source.name,
        level=logging.INFO if outcome.ok else logging.WARNING,
        ok=outcome.ok,
        status=outcome.status,
        items=len(outcome.items),
        not_modified=outcome.not_modified,
        bytes=outcome.bytes,
        ms=round((clock.monotonic() - t0) * 1000),
        error=outcome.error,
        **({"degraded": outcome.degraded} if outcome.degraded else {}),
    )
    return outcome


async def _poll_http(
    source: Source,
    health: SourceHealth,
    fetcher: Fetcher,
    started: datetime,
    seen: Seen | None,
    parse: ParseStep,
    parse_in: ParseIn,
) -> PollOutcome:
    url = source_url(source)
    if not url:
        raise FetchError("the source has no URL")
    response = await fetcher.get(url, etag=health.etag, last_modified=health.last_modified)
    cache_hint = max_age(response.headers)
    if response.not_modified:
        return PollOutcome(
            source=source.name,
            started=started,
            finished=fetcher.clock.now(),
            ok=True,
            status=response.status,
            not_modified=True,
            etag=response.etag,
            last_modified=response.last_modified,
            hint_s=cache_hint,
        )
    try:
        parsed = await parse_in(parse, source, response)
    except ParseError as exc:
        # Keep the old validators: a broken body must be fetched again, not "not modified".
        return PollOutcome(
            source=source.name,
            started=started,
            finished=fetcher.clock.now(),
            ok=False,
            status=response.status,
            error=str(exc),
            etag=health.etag,
            last_modified=health.last_modified,
            bytes=len(response.body),
        )
    items, precomputed = parsed.items, parsed.precomputed
    if source.full_text and items:
        items = await enrich(items, fetcher, want=lambda i: seen is None or not seen(i))
        precomputed = None  # computed from the feed's text, not the articles'
    return PollOutcome(
        source=source.name,
        started=started,
        finished=fetcher.clock.now(),
        ok=True,
        items=tuple(items),
        status=response.status,
        etag=response.etag,
        last_modified=response.last_modified,
        hint_s=_hint(parsed.ttl_s, cache_hint),
        bytes=len(response.body),
        precomputed=precomputed,
        degraded=parsed.degraded,
    )


async def _poll_files(
    source: Source, health: SourceHealth, fetcher: Fetcher, started: datetime
) -> PollOutcome:
    local = await asyncio.to_thread(files.scan, source.path)
    if local.fingerprint == health.etag:
        return PollOutcome(
            source=source.name,
            started=started,
            finished=fetcher.clock.now(),
            ok=True,
            not_modified=True,
            etag=local.fingerprint,
        )

    parse = kind_of(source).parse

    def load() -> tuple[list[Item], int, list[str]]:
        items: list[Item] = []
        size = 0
        problems: list[str] = []
        for path in local.paths:
            try:
                body = files.read(path, fetcher.fetch.max_bytes)
                size += len(body)
                items.extend(parse(body, source, {}, "").items)
            except SourceError as exc:
                problems.append(f"{path.name}: {exc}")
        return items, size, problems

    items, size, problems = await asyncio.to_thread(load)
    if problems and not items and len(problems) == len(local.paths):
        raise ParseError("; ".join(problems)[:500])
    for problem in problems:
        event("poll", source.name, level=logging.WARNING, skipped=problem)
    return PollOutcome(
        source=source.name,
        started=started,
        finished=fetcher.clock.now(),
        ok=True,
        items=tuple(items),
        etag=local.fingerprint,
        bytes=size,
    )
