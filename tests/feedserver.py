"""A real local HTTP server for tests and benchmarks: files or bytes per path, conditional GET, faults.

    with FeedServer() as server:                       # 127.0.0.1, port 0 (the OS picks)
        url = server.add("/feed.xml", body, etag="auto")   # 200, then 304 on If-None-Match
        server.add("/down", status=500)
        server.add("/slow", body, fault="stall_after_headers")
        server.add("/a", status=302, location="/b"); server.add("/b", status=302, location="/a")

Faults (`fault=`): "stall_after_headers" (headers, then silence), "drip" (one byte every 50 ms,
forever), "endless" (an endless fast body), "truncate" (Content-Length promises more than is
sent), "reset" (TCP reset before any answer), "gzip_bomb" (a small gzip body that inflates to
`bomb_mb` MB of zeros). A route can also carry any status, extra headers (Retry-After,
Cache-Control, Content-Location), a delay, or be gzip-encoded when the client accepts it (or
brotli, deflate or raw deflate encoded, `encoding=`).
Every request is recorded (`server.requests`, `server.hits(path)`) with its headers.
Stalling handlers end when the server stops, so tests never hang on them.
"""

from __future__ import annotations

import gzip
import hashlib
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli

FAULTS = ("", "stall_after_headers", "drip", "endless", "truncate", "reset", "gzip_bomb")
_BOMBS: dict[int, bytes] = {}


def gzip_bomb(megabytes: int) -> bytes:
    """A gzip stream of `megabytes` MB of zeros (about 1 KB per MB), cached per size."""
    if megabytes not in _BOMBS:
        comp = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        chunk = b"\0" * (1 << 20)
        parts = [comp.compress(chunk) for _ in range(megabytes)]
        parts.append(comp.flush())
        _BOMBS[megabytes] = b"".join(parts)
    return _BOMBS[megabytes]


def _encode(body: bytes, encoding: str) -> bytes:
    """`body` as the server sends it under `encoding` (see Route.encoding)."""
    if encoding == "br":
        return bytes(brotli.compress(body))
    if encoding == "deflate":
        return zlib.compress(body)
    if encoding == "raw-deflate":
        packer = zlib.compressobj(wbits=-15)
        return packer.compress(body) + packer.flush()
    raise ValueError(f"unknown encoding {encoding!r}")


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    etag: str | None = "auto"  # "auto": a hash of the body; None: no ETag
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    location: str = ""
    fault: str = ""
    delay_s: float = 0.0
    gzip: bool = False
    encoding: str = ""  # "br", "deflate" (zlib), "raw-deflate" (sent as deflate without a header)
    bomb_mb: int = 200

    def tag(self) -> str | None:
        if self.etag == "auto":
            return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'
        return self.etag


@dataclass(frozen=True)
class Seen:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._enter()
        try:
            self._get()
        finally:
            owner._leave()

    def _get(self) -> None:
        path = self.path
        self.server.owner._record(
            Seen("GET", path, {k.lower(): v for k, v in self.headers.items()})
        )
        route = self.server.owner.routes.get(path) or self.server.owner.routes.get(
            path.split("?", 1)[0]
        )
        if route is None:
            self._simple(404, b"not found")
            return
        if route.delay_s:
            self.server.owner.stopping.wait(route.delay_s)
        fault = route.fault
        if fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if route.status in (301, 302, 303, 307, 308):
            self.send_response(route.status)
            self.send_header("Location", route.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if route.status != 200:
            self.send_response(route.status)
            for key, value in route.headers.items():
                self.send_header(key, value)
            body = route.body or f"status {route.status}".encode()
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        tag = route.tag()
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if (tag and inm == tag) or (route.last_modified and ims == route.last_modified and not inm):
            self.send_response(304)
            if tag:
                self.send_header("ETag", tag)
            if route.last_modified:
                self.send_header("Last-Modified", route.last_modified)
            for key, value in route.headers.items():
                self.send_header(key, value)
            self.end_headers()
            return
        self.send_response(200)
        if route.content_type:
            self.send_header("Content-Type", route.content_type)
        if tag:
            self.send_header("ETag", tag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        for key, value in route.headers.items():
            self.send_header(key, value)
        body = route.body
        if fault == "gzip_bomb":
            body = gzip_bomb(route.bomb_mb)
            self.send_header("Content-Encoding", "gzip")
        elif route.gzip and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        elif route.encoding:
            body = _encode(body, route.encoding)
            self.send_header("Content-Encoding", route.encoding.removeprefix("raw-"))
        if fault in ("drip", "endless"):
            self.send_header("Connection", "close")
            self.end_headers()
            self._stream(fault, body)
            return
        if fault == "stall_after_headers":
            self.send_header("Content-Length", str(len(body) or 1000))
            self.end_headers()
            self.wfile.flush()
            self.server.owner.stopping.wait(60)
            self.close_connection = True
            return
        if fault == "truncate":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, fault: str, head: bytes) -> None:
        self.close_connection = True
        stop = self.server.owner.stopping
        deadline = time.monotonic() + 60
        try:
            self.wfile.write(head)
            filler = b"<item><title>more</title></item>\n" * 2000
            while not stop.is_set() and time.monotonic() < deadline:
                if fault == "drip":
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    stop.wait(0.05)
                else:
                    self.wfile.write(filler)
        except OSError:
            pass  # the client gave up, as it should

    def _simple(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    owner: FeedServer


class FeedServer:
    """A threaded HTTP server on 127.0.0.1 serving `Route`s; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self.stopping = threading.Event()
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests handled at once
        self._lock = threading.Lock()
        self._server = _Server((host, port), _Handler)
        self._server.owner = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def add(self, path: str, body: bytes = b"", **kwargs: Any) -> str:
        """Serve `body` (or a fault) at `path`; returns the full URL."""
        if kwargs.get("location", "").startswith("/"):
            kwargs["location"] = self.url(kwargs["location"])
        route = Route(body=body, **kwargs)
        if route.fault == "gzip_bomb":
            gzip_bomb(route.bomb_mb)  # build it now, so the answer isn't late under a read timeout
        self.routes[path] = route
        return self.url(path)

    def add_file(self, path: str, file: str | Path, **kwargs: Any) -> str:
        return self.add(path, Path(file).read_bytes(), **kwargs)

    def _enter(self) -> None:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for r in self.requests if r.path == path)

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)

    def start(self) -> FeedServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def http_date(epoch: float | None = None) -> str:
    """An HTTP date (for Last-Modified / Retry-After)."""
    return formatdate(epoch, usegmt=True)
