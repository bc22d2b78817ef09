"""The HTTP side of the local Bot API server (tests/fakebotapi.py): `POST /bot<token>/<method>`
with form-encoded or JSON parameters (PTB form-encodes strings as they are and everything else
as JSON), a wrong token answered 401, `GET /_fake/report` for a test that runs the server in
another process. The method calls go to the server's `dispatch`."""

from __future__ import annotations

import contextlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

_STR_FIELDS = {"text", "parse_mode", "callback_query_id", "data", "caption", "url", "chat_id"}


class Server(Protocol):
    token: str
    _stopping: threading.Event

    def report(self) -> dict[str, Any]: ...

    def dispatch(
        self, method: str, params: dict[str, Any]
    ) -> tuple[int, dict[str, Any] | None]: ...


def make_handler(api: Server) -> type[BaseHTTPRequestHandler]:
    """The request handler class of one server."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve(parse_qs(urlsplit(self.path).query))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            kind = self.headers.get("Content-Type", "")
            if "application/json" in kind:
                params = json.loads(body or b"{}")
                self._serve({k: [v] for k, v in params.items()}, decoded=True)
            else:
                self._serve(parse_qs(body.decode("utf-8"), keep_blank_values=True))

        def _serve(self, raw: dict[str, list[Any]], decoded: bool = False) -> None:
            path = urlsplit(self.path).path
            if path == "/_fake/report":  # the test's view when the server runs in a process
                return self._reply(200, api.report())
            m = re.fullmatch(r"/bot([^/]+)/(\w+)", path)
            if m is None:
                return self._reply(
                    404, {"ok": False, "error_code": 404, "description": "Not Found"}
                )
            if m.group(1) != api.token:
                return self._reply(
                    401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                )
            params = {k: v[-1] if decoded else _decode(k, v[-1]) for k, v in raw.items()}
            status, payload = api.dispatch(m.group(2), params)
            if payload is None:  # hang: never answer
                api._stopping.wait()
                return None
            return self._reply(status, payload)

        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            # the client may have gone away (killed, or shut down mid-poll)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(data)

    return Handler


def _decode(key: str, value: str) -> Any:
    """PTB form-encodes strings as they are and everything else as JSON."""
    if key in _STR_FIELDS:
        if key == "chat_id" and re.fullmatch(r"-?\d+", value):
            return int(value)
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value
