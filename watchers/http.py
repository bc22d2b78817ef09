"""The one polite HTTP client every watcher shares: bounded, conditional, per-host limited GETs.

`make_client(fetch)` builds the single httpx.AsyncClient configuration (honest User-Agent,
connect/read timeouts, gzip/deflate/br accepted, redirects never followed by httpx itself, httpx's
URL logging silenced). `Fetcher.get` does one conditional GET on top of it:

- If-None-Match / If-Modified-Since from the caller; 304 comes back as `not_modified=True`;
- redirects followed here, so the limit is ours and loops are named as loops;
- one total deadline per request (a server that stalls after the headers or drips forever is cut);
- the body is decompressed here, incrementally, and cut at `max_bytes` *after* decompression
  (a gzip bomb never gets further than the limit);
- at most `per_host` requests in flight per host, `concurrency` in all, and a minimum spacing per
  host where a service asks for one (GDELT: one request every 5 s);
- every failure is a `FetchError` in words, with the status and Retry-After when there were any.
"""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import sys
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import brotli
import httpx

if importlib.util.find_spec("sniffio") is None:
    # httpcore tries `import sniffio` on every request; a failed import is not cached and costs
    # a sys.path scan each time (a quarter of the client's CPU in bench/bench_watchers.py).
    # sniffio is not installed, so record the miss once: the import then fails at once.
    sys.modules["sniffio"] = None  # type: ignore[assignment]  # None marks "not importable"

from config.model import Fetch
from core.clock import Clock
from core.errors import FetchError

ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
KEEP_ALIVE = 10  # idle connections the client keeps at most
# Services that ask for a minimum gap between requests, in seconds.
DEFAULT_SPACING: dict[str, float] = {"api.gdeltproject.org": 5.0}

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class Response:
    """A finished GET: the decompressed body (empty on 304) and what a next poll needs."""

    status: int
    body: bytes
    headers: Mapping[str, str]
    final_url: str
    etag: str = ""
    last_modified: str = ""
    not_modified: bool = False
    redirects: tuple[str, ...] = field(default=())


def make_client(
    fetch: Fetch, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The one client configuration for every watcher (and the full-text fetcher)."""
    # httpx logs every request URL at INFO; keep URLs (and any token in them) out of the logs.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    return httpx.AsyncClient(
        headers={
            "User-Agent": fetch.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate, br",
        },
        timeout=httpx.Timeout(
            connect=fetch.connect_timeout_s,
            read=fetch.read_timeout_s,
            write=fetch.read_timeout_s,
            pool=fetch.total_timeout_s,
        ),
        # Few idle connections: httpcore's pool rescans each against all the others on every
        # request (encode/httpcore#1035), and polls of one host rarely fall within the 5 s
        # keep-alive anyway; a 1,000-feed cycle spent about a second on that scan with 50.
        limits=httpx.Limits(
            max_connections=fetch.concurrency,
            max_keepalive_connections=min(fetch.concurrency, KEEP_ALIVE),
        ),
        follow_redirects=False,
        transport=transport,
    )


class Fetcher:
    """Polite conditional GETs through one shared client. Safe to share between sources."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        fetch: Fetch,
        clock: Clock,
        *,
        spacing: Mapping[str, float] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.fetch = fetch
        self.clock = clock
        self.spacing = dict(DEFAULT_SPACING if spacing is None else spacing)
        self._sleep = sleep
        self._all = asyncio.Semaphore(max(1, fetch.concurrency))
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._next_slot: dict[str, float] = {}

    async def get(self, url: str, etag: str = "", last_modified: str = "") -> Response:
        """GET `url` politely; raises FetchError (in words) for anything but 2xx/304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            request = self.client.build_request("GET", url, headers=headers)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError(f"not a fetchable URL ({exc})") from exc
        async with self._all:
            response = await self._follow(request)
        if response.not_modified:
            return Response(
                status=response.status,
                body=b"",
                headers=response.headers,
                final_url=response.final_url,
                etag=response.etag or etag,
                last_modified=response.last_modified or last_modified,
                not_modified=True,
                redirects=response.redirects,
            )
        return response

    # -- internals ------------------------------------------------------------------------------

    def _host_gate(self, host: str) -> asyncio.Semaphore:
        gate = self._hosts.get(host)
        if gate is None:
            gate = self._hosts[host] = asyncio.Semaphore(max(1, self.fetch.per_host))
        return gate

    async def _space(self, host: str) -> None:
        """Wait until this host's minimum spacing allows another request (slots are reserved)."""
        gap = self.spacing.get(host, 0.0)
        if gap <= 0:
            return
        now = self.clock.monotonic()
        slot = max(now, self._next_slot.get(host, now))
        self._next_slot[host] = slot + gap
        if slot > now:
            await self._sleep(slot - now)

    async def _follow(self, request: httpx.Request) -> Response:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        seen = {str(request.url)}
        hops: list[str] = []
        total = self.fetch.total_timeout_s
        for _ in range(self.fetch.max_redirects + 1):
            host = request.url.host
            async with self._host_gate(host):
                await self._space(host)
                if deadline is None:
                    deadline = loop.time() + total
                try:
                    async with asyncio.timeout_at(deadline):
                        outcome = await self._one_hop(request)
                except TimeoutError as exc:
                    raise FetchError(
                        f"gave up after {total:g} s in all (the server was too slow or never "
                        "finished the body)"
                    ) from exc
            if isinstance(outcome, Response):
                return Response(
                    status=outcome.status,
                    body=outcome.body,
                    headers=outcome.headers,
                    final_url=outcome.final_url,
                    etag=outcome.etag,
                    last_modified=outcome.last_modified,
                    not_modified=outcome.not_modified,
                    redirects=tuple(hops),
                )
            target = str(outcome.url)
            if target in seen:
                raise FetchError(f"redirect loop: {request.url} sends back to {target}")
            if outcome.url.scheme not in ("http", "https"):
                raise FetchError(f"redirect to a non-HTTP address ({outcome.url.scheme})")
            seen.add(target)
            hops.append(target)
            request = outcome
        raise FetchError(f"more than {self.fetch.max_redirects} redirects")

    async def _one_hop(self, request: httpx.Request) -> Response | httpx.Request:
        """Send one request; a redirect comes back as the next request, anything else finished."""
        try:
            response = await self.client.send(request, stream=True, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise FetchError(_describe(exc, self.fetch)) from exc
        try:
            if response.next_request is not None:
                await _drain(response)
                return response.next_request
            status = response.status_code
            if status == 304:
                await _drain(response)
                return Response(
                    status=304,
                    body=b"",
                    headers=response.headers,
                    final_url=str(response.url),
                    etag=response.headers.get("etag", ""),
                    last_modified=response.headers.get("last-modified", ""),
                    not_modified=True,
                )
            if not 200 <= status < 300:
                retry = parse_retry_after(response.headers.get("retry-after", ""), self.clock)
                await _drain(response)
                phrase = response.reason_phrase or ""
                raise FetchError(
                    f"HTTP {status} {phrase}".strip(), status=status, retry_after=retry
                )
            body = await self._read_bounded(response)
            return Response(
                status=status,
                body=body,
                headers=response.headers,
                final_url=str(response.url),
                etag=response.headers.get("etag", ""),
                last_modified=response.headers.get("last-modified", ""),
            )
        except httpx.HTTPError as exc:
            raise FetchError(_describe(exc, self.fetch), status=response.status_code) from exc
        finally:
            await response.aclose()

    async def _read_bounded(self, response: httpx.Response) -> bytes:
        limit = self.fetch.max_bytes
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError(
                f"body of {int(length):,} bytes is over the limit of {limit:,} bytes",
                status=response.status_code,
            )
        decoder = make_decoder(response.headers.get("content-encoding", ""))
        parts: list[bytes] = []
        size = 0
        async for raw in response.aiter_raw():
            piece = decoder.feed(raw, limit - size)
            size += len(piece)
            if size > limit:
                raise FetchError(
                    f"body is over the limit of {limit:,} bytes after decompression",
                    status=response.status_code,
                )
            parts.append(piece)
        return b"".join(parts)


async def _drain(response: httpx.Response, cap: int = 65_536) -> None:
    """Read a small unwanted body (redirect, 304, error page) so the connection can be reused;
    a body over `cap` is left unread and the connection is closed instead."""
    size = 0
    async for raw in response.aiter_raw():
        size += len(raw)
        if size > cap:
            return


class Decoder:
    """Incremental decompression, one chunk of the raw body at a time. A decompressing `feed`
    returns at most room + 1 bytes (enough to tell the body is over the limit); this base
    class, the identity coding, returns each chunk as it came (the caller counts)."""

    def feed(self, data: bytes, room: int) -> bytes:
        return data


class _ZlibDecoder(Decoder):
    def __init__(self, wbits: int, fallback_raw: bool = False) -> None:
        self._d = zlib.decompressobj(wbits)
        self._fallback_raw = fallback_raw
        self._started = False

    def feed(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        try:
            out = self._d.decompress(data, room + 1)
        except zlib.error as exc:
            if self._fallback_raw and not self._started:
                # "deflate" is sometimes sent raw, without the zlib header.
                self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                self._fallback_raw = False
                return self.feed(data, room)
            raise FetchError(f"the compressed body is corrupt ({exc})") from exc
        self._started = True
        return out


class _BrotliDecoder(Decoder):
    def __init__(self) -> None:
        self._d = brotli.Decompressor()

    def feed(self, data: bytes, room: int) -> bytes:
        if not data:
            return b""
        try:
            out: bytes = self._d.process(data, output_buffer_limit=room + 1)
            while len(out) <= room and not self._d.can_accept_more_data():
                out += self._d.process(b"", output_buffer_limit=room + 1 - len(out))
        except brotli.error as exc:
            raise FetchError(f"the brotli body is corrupt ({exc})") from exc
        return out


def make_decoder(content_encoding: str) -> Decoder:
    """A bounded decoder for one Content-Encoding (identity, gzip, x-gzip, deflate, br)."""
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return Decoder()
    if len(codings) > 1:
        raise FetchError(f"stacked content encodings are not supported ({content_encoding})")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _ZlibDecoder(zlib.MAX_WBITS | 16)
    if coding == "deflate":
        return _ZlibDecoder(zlib.MAX_WBITS, fallback_raw=True)
    if coding == "br":
        return _BrotliDecoder()
    raise FetchError(f"unsupported content encoding {coding!r}")


def parse_retry_after(value: str, clock: Clock) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date; None when absent/bad."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - clock.now()).total_seconds())


def _describe(exc: httpx.HTTPError, fetch: Fetch) -> str:
    """An httpx exception in words for an operator."""
    detail = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect within {fetch.connect_timeout_s:g} s"
    if isinstance(exc, httpx.ReadTimeout):
        return f"the server stopped sending for {fetch.read_timeout_s:g} s (read timeout)"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({detail})"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({detail})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"the server broke off the response ({detail})"
    if isinstance(exc, httpx.ReadError):
        return f"the connection was reset or broken while reading ({detail})"
    if isinstance(exc, httpx.TooManyRedirects):
        return f"more than {fetch.max_redirects} redirects"
    if isinstance(exc, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return f"not a fetchable URL ({detail})"
    return f"HTTP exchange failed ({type(exc).__name__}: {detail})"
