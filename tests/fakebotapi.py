"""A local Telegram Bot API server for tests and benchmarks (127.0.0.1, a thread, stdlib only).

It speaks the real wire format PTB uses (`POST /bot<token>/<method>` with form-encoded or JSON
parameters; answers `{"ok": true, "result": ...}` or `{"ok": false, "error_code": ...,
"description": ..., "parameters": {...}}`) for getMe, getUpdates (long polling over updates the
test injects), sendMessage, editMessageText, answerCallbackQuery, setMyCommands (recorded per
language_code in `commands`), getChatMember (statuses set with `set_member`), deleteWebhook,
getWebhookInfo, close. Chats, members and the updates a test injects (messages, button taps,
the bot removed, a group upgraded) are in tests/fakebot_chats.py; Telegram's HTML parse mode in
tests/fakebot_html.py. It records what was sent and can misbehave as Telegram does:

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

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from tests.fakebot_chats import (
    ChatState,
    ChatUpdates,
    Sent,
    bot_user,
    member_json,
)
from tests.fakebot_html import ParseEntitiesError, parse_html, utf16_len
from tests.fakebot_http import make_handler


class TelegramError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


class FakeBotAPI(ChatUpdates):
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
        self.chats: dict[int, ChatState] = {}
        self.sent: list[Sent] = []
        self.edits: list[tuple[int, int, str]] = []
        self.calls: list[tuple[str, dict[str, Any], int]] = []
        self.commands: dict[str, list[tuple[str, str]]] = {}  # language_code -> the menu
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
        self.server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(self))
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

    def chat(self, chat_id: int, chat_type: str | None = None) -> ChatState:
        with self.lock:
            state = self.chats.get(chat_id)
            if state is None:
                kind = chat_type or ("private" if chat_id > 0 else "supergroup")
                state = self.chats[chat_id] = ChatState(type=kind, stamp=self.clock())
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
            **bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        return True

    def _m_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        with self.lock:
            self.commands[str(p.get("language_code") or "")] = [
                (c["command"], c["description"]) for c in p.get("commands") or []
            ]
        return True

    def _m_getChatMember(self, p: dict[str, Any]) -> Any:
        chat_id, user_id = int(p["chat_id"]), int(p["user_id"])
        if chat_id not in self.chats:
            raise TelegramError(400, "Bad Request: chat not found")
        return member_json(user_id, self.member_status(chat_id, user_id))

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

    def _target(self, p: dict[str, Any]) -> tuple[int, ChatState]:
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

    def _limits(self, chat_id: int, state: ChatState, now: float) -> None:
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
            preview = p.get("link_preview_options")
            self.sent.append(
                Sent(chat_id, message_id, p["text"], plain, thread, self.clock(), markup, preview)
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
            "from": bot_user(),
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
            "from": bot_user(),
            "text": plain,
        }


_HANG = object()
__all__ = ["FakeBotAPI", "ParseEntitiesError", "Sent", "TelegramError", "parse_html", "utf16_len"]


def _too_many(seconds: float) -> TelegramError:
    wait = max(1, math.ceil(seconds))
    return TelegramError(429, f"Too Many Requests: retry after {wait}", {"retry_after": wait})


if __name__ == "__main__":  # a standalone server: python -m tests.fakebotapi [--enforce-limits]
    import sys

    with FakeBotAPI(enforce_limits="--enforce-limits" in sys.argv) as api:
        print(api.url, flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
