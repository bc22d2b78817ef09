"""The optional health and metrics endpoint: a small asyncio HTTP/1.1 server, nothing else.

    GET /healthz  -> 200 JSON when ready and fresh, 503 JSON otherwise (orchestrators read the code)
    GET /metrics  -> the registry, prometheus_client's text exposition (generate_latest)
    anything else -> 404 (405 for another method on those two paths)

`run` starts it when `--http host:port` (default `$SAHELWATCH_HTTP`) is given and passes a
`health()` callable (sync or async) returning a `Health` (or a plain mapping with the same
keys: `Health.from_value`) and the service's `CollectorRegistry`. The server only reads what it
is handed: no store, no Telegram (the registry's outbox gauge asks the store's writer, as
`health()` does). It is built to survive slow or garbage clients: a deadline for
the request head, a size cap, a connection cap, and one request per connection
(`Connection: close`).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.clock import Clock, SystemClock
from core.log import event

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

ENV_VAR = "SAHELWATCH_HTTP"
DEFAULT_STALE_AFTER = timedelta(hours=1)
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    431: "Request Header Fields Too Large",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Health:
    """What the service reports about itself; `details` adds fields to the /healthz JSON."""

    ready: bool
    last_successful_cycle: datetime | None = None
    pending_outbox: int = 0
    details: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_value(cls, value: Health | Mapping[str, Any]) -> Health:
        """A `Health`, or a mapping with `ready`, `last_successful_cycle` (datetime, ISO text or
        None) and `pending_outbox`; its other keys become `details`."""
        if isinstance(value, Health):
            return value
        if not isinstance(value, Mapping):
            raise TypeError(f"health() returned {type(value).__name__}, not Health or a mapping")
        data = dict(value)
        last = data.pop("last_successful_cycle", None)
        if isinstance(last, str):
            last = datetime.fromisoformat(last)
        if last is not None and not isinstance(last, datetime):
            raise TypeError(f"last_successful_cycle: {last!r} is not a time")
        return cls(
            ready=bool(data.pop("ready", False)),
            last_successful_cycle=last,
            pending_outbox=int(data.pop("pending_outbox", 0)),
            details=data,
        )


HealthValue = Health | Mapping[str, Any]
HealthSource = Callable[[], HealthValue | Awaitable[HealthValue]]


def assess(
    health: Health, now: datetime, started: datetime, stale_after: timedelta | None
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, JSON body) for a health report. Pure.

    503 when not ready, or when the last successful cycle is older than `stale_after`. Before the
    first successful cycle, the time since the server started is what must stay under it: a bot
    that never completes a cycle turns unhealthy after one `stale_after`.
    """
    last = _aware(health.last_successful_cycle)
    age = (now - (last or started)).total_seconds()
    if not health.ready:
        status = "not_ready"
    elif stale_after is not None and age > stale_after.total_seconds():
        status = "stale"
    else:
        status = "ok"
    body: dict[str, Any] = dict(health.details)
    body.update(
        status=status,
        ready=health.ready,
        last_successful_cycle=last.isoformat() if last else None,
        last_cycle_age_seconds=round(age, 3) if last else None,
        pending_outbox=health.pending_outbox,
        stale_after_seconds=stale_after.total_seconds() if stale_after is not None else None,
    )
    return (200 if status == "ok" else 503), body


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def parse_listen(text: str) -> tuple[str, int]:
    """`host:port`, `:port`, `port` or `[v6]:port` -> (host, port); ValueError when malformed."""
    raw = text.strip()
    host = "127.0.0.1"
    if raw.startswith("["):
        inner, sep, port_text = raw[1:].partition("]:")
        if not sep or not inner:
            raise ValueError(f"{ENV_VAR}={text!r}: expected [host]:port")
        host = inner
    elif ":" in raw:
        name, _, port_text = raw.rpartition(":")
        host = name or host
    else:
        port_text = raw
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"{ENV_VAR}={text!r}: expected host:port with a port from 0 to 65535")
    return host, int(port_text)


class _TooLarge(Exception):
    pass


class OpsServer:
    """Serves /healthz and /metrics on host:port (port 0 picks a free one: see `.port`)."""

    def __init__(
        self,
        health: HealthSource,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        registry: CollectorRegistry | None = None,
        clock: Clock | None = None,
        stale_after: timedelta | None = DEFAULT_STALE_AFTER,
        read_timeout_s: float = 5.0,
        max_request_bytes: int = 8192,
        max_connections: int = 32,
    ) -> None:
        self._health = health
        self.host = host
        self._port = port
        self._registry = registry  # None: an empty /metrics
        self._clock = clock or SystemClock()
        self.stale_after = stale_after
        self.read_timeout_s = read_timeout_s
        self.max_request_bytes = max_request_bytes
        self.max_connections = max_connections
        self._server: asyncio.Server | None = None
        self._started = self._clock.now()
        self._active = 0

    @property
    def port(self) -> int:
        """The bound port (the real one once started, when asked for port 0)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        if self._server is not None:
            return
        self._started = self._clock.now()
        self._server = await asyncio.start_server(
            self._handle, self.host, self._port, limit=self.max_request_bytes
        )
        event("http", "ops", listen=f"{self.host}:{self.port}")

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self.read_timeout_s):
                await server.wait_closed()

    async def __aenter__(self) -> OpsServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._active >= self.max_connections:
            writer.close()
            return
        self._active += 1
        try:
            response = await self._respond(reader)
            if response is not None:
                writer.write(response)
                async with asyncio.timeout(self.read_timeout_s):
                    await writer.drain()
        except (ConnectionError, TimeoutError):
            pass  # the client went away or stopped reading: nothing to tell it
        except Exception as exc:  # one bad request never takes the server down
            event("http", "ops", level=logging.ERROR, error=repr(exc))
        finally:
            self._active -= 1
            writer.close()
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1.0):
                    await writer.wait_closed()

    async def _respond(self, reader: asyncio.StreamReader) -> bytes | None:
        try:
            async with asyncio.timeout(self.read_timeout_s):
                head = await self._read_head(reader)
        except TimeoutError:
            return _response(408, b"request timeout\n")
        except _TooLarge:
            return _response(431, b"request too large\n")
        if head is None:
            return None  # connected and closed without a request
        parts = head[0].split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return _response(400, b"bad request\n")
        method, target, _ = parts
        path = target.split("?", 1)[0]
        if path not in ("/healthz", "/metrics"):
            return _response(404, b"not found\n", head_only=method == "HEAD")
        if method not in ("GET", "HEAD"):
            return _response(405, b"method not allowed\n", extra=("Allow: GET, HEAD",))
        if path == "/metrics":
            # imported here: ops.healthcheck imports this module and stays standard library only
            from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

            # gauges with a function (the outbox depth) are read now, on this thread
            body = b"" if self._registry is None else generate_latest(self._registry)
            return _response(200, body, CONTENT_TYPE_LATEST, head_only=method == "HEAD")
        status, report = await self._health_report()
        body = (json.dumps(report, ensure_ascii=False, default=str) + "\n").encode()
        return _response(status, body, "application/json", head_only=method == "HEAD")

    async def _read_head(self, reader: asyncio.StreamReader) -> list[str] | None:
        """The request line and header lines, without the blank line; None on an empty EOF."""
        lines: list[str] = []
        total = 0
        while True:
            try:
                raw = await reader.readline()
            except ValueError:  # one line longer than the stream's limit
                raise _TooLarge from None
            total += len(raw)
            if total > self.max_request_bytes:
                raise _TooLarge
            if not raw:
                if lines:
                    raise ConnectionError("the client closed mid-request")
                return None
            line = raw.rstrip(b"\r\n")
            if not line:
                if not lines:
                    continue  # tolerate blank lines before the request line (RFC 9112 2.2)
                return lines
            lines.append(line.decode("latin-1"))

    async def _health_report(self) -> tuple[int, dict[str, Any]]:
        try:
            result = self._health()
            if inspect.isawaitable(result):
                async with asyncio.timeout(self.read_timeout_s):
                    result = await result
            health = Health.from_value(result)
            return assess(health, self._clock.now(), self._started, self.stale_after)
        except Exception as exc:
            event("http", "ops", level=logging.ERROR, stage_error="health", error=repr(exc))
            return 503, {"status": "error", "ready": False, "error": type(exc).__name__}


def _response(
    status: int,
    body: bytes,
    content_type: str = "text/plain; charset=utf-8",
    *,
    head_only: bool = False,
    extra: tuple[str, ...] = (),
) -> bytes:
    lines = [
        f"HTTP/1.1 {status} {_REASONS[status]}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Cache-Control: no-store",
        "Connection: close",
        *extra,
    ]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body
