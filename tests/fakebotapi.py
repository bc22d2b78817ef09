"""A local Telegram Bot API server for tests and benchmarks (127.0.0.1, a thread, stdlib only).

It speaks the real wire format PTB uses (`POST /bot<token>/<method>` with form-encoded or JSON
parameters; answers `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ...,
"description": ..., "parameters": {...}}`) for getMe, getUpdates (long polling over updates the
test injects), sendMessage, editMessageText, answerCallbackQuery, setMyCommands, deleteWebhook,
getWebhookInfo, close. It records what was sent and can misbehave as Telegram does:

- HTML parse mode is validated (allowed tags only, balanced, known entities, 4,096 characters
  after parsing) and refused with 400 "Bad Request: can't parse entities: ...";
- `storm(chat_id, count, retry_after)`: the next `count` sends to that chat get 429 with
  `parameters.retry_after`, and a send before the retry_after has passed gets 429 again;
- `block(chat_id)`: 403 "Forbidden: bot was blocked by the user";
- `migrate(old, new)`: 400 with `parameters.migrate_to_chat_id`;
- `enforce_limits=True`: 30 messages in any second overall, per chat a bucket of 5 refilling
  1/s, 20 a minute per group; a send over a limit gets 429 with `retry_after`;
- `hang_on_send(n)`: the n-th accepted sendMessage is recorded and never answered (the client
  sees a message delivered without a reply, as when it is killed mid-request);
- `global_limit`: messages in any second overall when enforcing (a global throttle: set it low).

Its limits and records read `clock` (default time.monotonic): a test may hand it the virtual
clock its Pacer runs on, so both sides agree on time without waiting for it.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

BOT_ID = 7000001
BOT_USERNAME = "sahel_test_bot"
_STR_FIELDS = {"text", "parse_mode", "callback_query_id", "data", "caption", "url", "chat_id"}
_TAGS = {
    "b": (),
    "strong": (),
    "i": (),
    "em": (),
    "u": (),
    "ins": (),
    "s": (),
    "strike": (),
    "del": (),
    "tg-spoiler": (),
    "span": ("class",),
    "a": ("href",),
    "code": ("class",),
    "pre": (),
    "blockquote": ("expandable",),
    "tg-emoji": ("emoji-id",),
}
_TAG = re.compile(
    r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>"
)
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_ENTITY = re.compile(r"&(?:lt|gt|amp|quot|#[0-9]{1,7}|#x[0-9a-fA-F]{1,6});")
_NAMED = {"&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": '"'}


class ParseEntitiesError(Exception):
    pass


def parse_html(html: str) -> str:
    """Telegram's HTML parse mode: the plain text, or ParseEntitiesError as Telegram words it."""
    out: list[str] = []
    stack: list[str] = []
    i = 0
    raw = html.encode("utf-8")

    def offset(pos: int) -> int:
        return len(html[:pos].encode("utf-8"))

    while i < len(html):
        ch = html[i]
        if ch == "<":
            m = _TAG.match(html, i)
            if m is None:
                raise ParseEntitiesError(f"Unsupported start tag at byte offset {offset(i)}")
            closing, name, attrs = m.group(1), m.group(2).lower(), m.group(3)
            if name not in _TAGS:
                raise ParseEntitiesError(
                    f'Unsupported start tag "{name}" at byte offset {offset(i)}'
                )
            if closing:
                if not stack:
                    raise ParseEntitiesError(f"Unexpected end tag at byte offset {offset(i)}")
                if stack[-1] != name:
                    raise ParseEntitiesError(
                        f'Unmatched end tag at byte offset {offset(i)}, expected "</{stack[-1]}>",'
                        f' found "</{name}>"'
                    )
                stack.pop()
            else:
                for attr, _value in _ATTR.findall(attrs):
                    if attr.lower() not in _TAGS[name]:
                        raise ParseEntitiesError(
                            f'Unsupported attribute "{attr}" of tag "{name}" at byte offset {offset(i)}'
                        )
                if name == "a" and "href" not in attrs:
                    raise ParseEntitiesError('Tag "a" must have attribute "href"')
                stack.append(name)
            i = m.end()
        elif ch == "&":
            m = _ENTITY.match(html, i)
            if m is None:
                raise ParseEntitiesError(f"Character entity expected at byte offset {offset(i)}")
            token = m.group(0)
            if token in _NAMED:
                out.append(_NAMED[token])
            elif token.startswith("&#x"):
                out.append(chr(int(token[3:-1], 16)))
            else:
                out.append(chr(int(token[2:-1])))
            i = m.end()
        elif ch == ">":
            out.append(ch)  # Telegram accepts a bare ">"
            i += 1
        else:
            out.append(ch)
            i += 1
    if stack:
        raise ParseEntitiesError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    del raw
    return "".join(out)


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@dataclass
class Sent:
    """A message the server accepted."""

    chat_id: int
    message_id: int
    text: str  # as sent (HTML)
    plain: str
    thread_id: int | None
    at: float
    reply_markup: Any = None


@dataclass
class _Chat:
    type: str = "private"
    next_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> {bot, text, markup}
    tokens: float = 5.0
    stamp: float = 0.0
    window: deque[float] = field(default_factory=deque)
    storm_left: int = 0
    storm_after: int = 0
    hold_until: float = 0.0


class TelegramError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class FakeBotAPI:
    """The server and its state. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        token: str = "123456:TEST-token",
        *,
        enforce_limits: bool = False,
        clock: Callable[[], float] = time.monotonic,
        port: int = 0,
    ) -> None:
        self.token = token
        self.clock = clock
        self.enforce_limits = enforce_limits
        self.lock = threading.Condition()
        self.updates: list[dict[str, Any]] = []
        self._next_update = 1
        self.chats: dict[int, _Chat] = {}
        self.sent: list[Sent] = []
        self.edits: list[tuple[int, int, str]] = []
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.count_429 = 0
        self.count_403 = 0
        self.count_400 = 0
        self.blocked: set[int] = set()
        self.migrations: dict[int, int] = {}
        self.global_window: deque[float] = deque()
        self.global_limit = 30
        self.group_per_minute = 20
        self.chat_burst = 5.0
        self._hang_at: int | None = None
        self._accepted = 0
        self._stopping = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeBotAPI:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with self.lock:
            self.lock.notify_all()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeBotAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test controls --------------------------------------------------------------------------

    def chat(self, chat_id: int, chat_type: str | None = None) -> _Chat:
        with self.lock:
            state = self.chats.get(chat_id)
            if state is None:
                kind = chat_type or ("private" if chat_id > 0 else "supergroup")
                state = self.chats[chat_id] = _Chat(type=kind, stamp=self.clock())
            elif chat_type:
                state.type = chat_type
            return state

    def block(self, chat_id: int) -> None:
        with self.lock:
            self.blocked.add(chat_id)

    def migrate(self, old: int, new: int) -> None:
        with self.lock:
            self.migrations[old] = new
        self.chat(new, "supergroup")

    def storm(self, chat_id: int, count: int, retry_after: int = 1) -> None:
        """The next `count` sends to the chat get 429 retry_after (and any send during a hold)."""
        state = self.chat(chat_id)
        with self.lock:
            state.storm_left = count
            state.storm_after = retry_after

    def hang_on_send(self, n: int) -> None:
        with self.lock:
            self._hang_at = n

    def user_message(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str | None = None,
        title: str = "",
        thread_id: int | None = None,
        language_code: str = "en",
    ) -> dict[str, Any]:
        """A message from a user (or a channel post when chat_type is "channel"), as an update."""
        state = self.chat(chat_id, chat_type)
        with self.lock:
            message_id = state.next_id
            state.next_id += 1
            state.messages[message_id] = {"bot": False, "text": text}
            chat: dict[str, Any] = {"id": chat_id, "type": state.type}
            if state.type == "private":
                chat["first_name"] = "Tester"
            else:
                chat["title"] = title or f"Chat {chat_id}"
            if state.type == "supergroup" and thread_id is not None:
                chat["is_forum"] = True
            msg: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "text": text,
            }
            if state.type != "channel":
                uid = user_id if user_id is not None else chat_id
                msg["from"] = {
                    "id": uid,
                    "is_bot": False,
                    "first_name": "Tester",
                    "language_code": language_code,
                }
            else:
                msg["sender_chat"] = chat
            if thread_id is not None:
                msg["message_thread_id"] = thread_id
                msg["is_topic_message"] = True
            if text.startswith("/"):
                command = text.split()[0]
                msg["entities"] = [
                    {"type": "bot_command", "offset": 0, "length": utf16_len(command)}
                ]
            kind = "channel_post" if state.type == "channel" else "message"
        return self._push({kind: msg})

    def press(
        self, chat_id: int, message_id: int, data: str, user_id: int | None = None
    ) -> dict[str, Any]:
        """A tap on an inline button of one of the bot's messages."""
        state = self.chat(chat_id)
        with self.lock:
            stored = state.messages[message_id]
            uid = user_id if user_id is not None else chat_id
            query = {
                "id": f"cq{message_id}-{len(self.calls)}",
                "from": {"id": uid, "is_bot": False, "first_name": "Tester"},
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": state.type, "first_name": "Tester"},
                    "from": self._bot_user(),
                    "text": stored["plain"],
                },
            }
        return self._push({"callback_query": query})

    def messages_to(self, chat_id: int) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.chat_id == chat_id]

    def current_text(self, chat_id: int, message_id: int) -> dict[str, Any]:
        with self.lock:
            return dict(self.chats[chat_id].messages[message_id])

    def report(self) -> dict[str, Any]:
        """What was sent and refused, as JSON (GET /_fake/report)."""
        with self.lock:
            return {
                "sent": [[m.chat_id, m.message_id, m.text, m.at] for m in self.sent],
                "count_429": self.count_429,
                "count_403": self.count_403,
                "count_400": self.count_400,
                "global_limit": self.global_limit,
            }

    # -- internals ------------------------------------------------------------------------------

    def _push(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            update = {"update_id": self._next_update, **body}
            self._next_update += 1
            self.updates.append(update)
            self.lock.notify_all()
        return update

    @staticmethod
    def _bot_user() -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Sahel Test", "username": BOT_USERNAME}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

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

    def dispatch(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any] | None]:
        try:
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise TelegramError(404, "Not Found: method not found")
            result = handler(params)
            if result is _HANG:
                return 200, None
            status, payload = 200, {"ok": True, "result": result}
        except TelegramError as exc:
            status = exc.code
            payload = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
            with self.lock:
                if exc.code == 429:
                    self.count_429 += 1
                elif exc.code == 403:
                    self.count_403 += 1
                elif exc.code == 400:
                    self.count_400 += 1
        with self.lock:
            self.calls.append((method, params, status))
        return status, payload

    # -- methods --------------------------------------------------------------------------------

    def _m_getMe(self, p: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        return True

    def _m_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True

    def _m_close(self, p: dict[str, Any]) -> Any:
        return True

    def _m_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True

    def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        timeout = min(float(p.get("timeout") or 0), 30.0)
        limit = int(p.get("limit") or 100)
        end = time.monotonic() + timeout
        with self.lock:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or self._stopping.is_set():
                    return self.updates[:limit]
                left = end - time.monotonic()
                if left <= 0:
                    return []
                self.lock.wait(left)

    def _target(self, p: dict[str, Any]) -> tuple[int, _Chat]:
        chat_id = int(p["chat_id"])
        with self.lock:
            if chat_id in self.blocked:
                raise TelegramError(403, "Forbidden: bot was blocked by the user")
            if chat_id in self.migrations:
                raise TelegramError(
                    400,
                    "Bad Request: group chat was upgraded to a supergroup chat",
                    {"migrate_to_chat_id": self.migrations[chat_id]},
                )
        return chat_id, self.chat(chat_id)

    def _check_html(self, p: dict[str, Any]) -> str:
        text = str(p.get("text") or "")
        if (p.get("parse_mode") or "").upper() == "HTML":
            try:
                plain = parse_html(text)
            except ParseEntitiesError as exc:
                raise TelegramError(400, f"Bad Request: can't parse entities: {exc}") from exc
        else:
            plain = text
        if not plain.strip():
            raise TelegramError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise TelegramError(400, "Bad Request: message is too long")
        return plain

    def _limits(self, chat_id: int, state: _Chat, now: float) -> None:
        """429 when a send breaks a storm, a hold, or (enforcing) Telegram's limits."""
        if state.hold_until > now:
            raise _too_many(state.hold_until - now)
        if state.storm_left > 0:
            state.storm_left -= 1
            state.hold_until = now + state.storm_after
            raise _too_many(state.storm_after)
        if not self.enforce_limits:
            return
        while self.global_window and now - self.global_window[0] >= 1.0:
            self.global_window.popleft()
        if len(self.global_window) >= self.global_limit:
            raise _too_many(1.0 - (now - self.global_window[0]))
        state.tokens = min(self.chat_burst, state.tokens + (now - state.stamp))
        state.stamp = now
        if state.tokens < 1.0:
            raise _too_many(1.0 - state.tokens)
        if chat_id < 0:
            while state.window and now - state.window[0] >= 60.0:
                state.window.popleft()
            if len(state.window) >= self.group_per_minute:
                raise _too_many(60.0 - (now - state.window[0]))
        state.tokens -= 1.0
        self.global_window.append(now)
        if chat_id < 0:
            state.window.append(now)

    def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        chat_id, state = self._target(p)
        plain = self._check_html(p)
        thread = p.get("message_thread_id")
        with self.lock:
            self._limits(chat_id, state, self.clock())
            message_id = state.next_id
            state.next_id += 1
            markup = p.get("reply_markup")
            state.messages[message_id] = {
                "bot": True,
                "text": p["text"],
                "plain": plain,
                "markup": markup,
            }
            self.sent.append(
                Sent(chat_id, message_id, p["text"], plain, thread, self.clock(), markup)
            )
            self._accepted += 1
            hang = self._hang_at is not None and self._accepted == self._hang_at
            chat = {"id": chat_id, "type": state.type}
        if hang:
            return _HANG
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            "text": plain,
        }
        if thread is not None:
            message["message_thread_id"] = int(thread)
        if markup:
            message["reply_markup"] = markup
        return message

    def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        chat_id, state = self._target(p)
        message_id = int(p["message_id"])
        plain = self._check_html(p)
        with self.lock:
            stored = state.messages.get(message_id)
            if stored is None:
                raise TelegramError(400, "Bad Request: message to edit not found")
            if not stored["bot"]:
                raise TelegramError(400, "Bad Request: message can't be edited")
            markup = p.get("reply_markup")
            if stored["text"] == p["text"] and stored.get("markup") == markup:
                raise TelegramError(
                    400,
                    "Bad Request: message is not modified: specified new message content and"
                    " reply markup are exactly the same as a current content and reply markup"
                    " of the message",
                )
            stored.update(text=p["text"], plain=plain, markup=markup)
            self.edits.append((chat_id, message_id, p["text"]))
            chat = {"id": chat_id, "type": state.type}
        return {
            "message_id": message_id,
            "date": int(time.time()),
            "edit_date": int(time.time()),
            "chat": chat,
            "from": self._bot_user(),
            "text": plain,
        }


_HANG = object()


def _too_many(seconds: float) -> TelegramError:
    wait = max(1, math.ceil(seconds))
    return TelegramError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})


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


if __name__ == "__main__":  # a standalone server: python tests/fakebotapi.py [--enforce-limits]
    import sys

    with FakeBotAPI(enforce_limits="--enforce-limits" in sys.argv) as api:
        print(api.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
