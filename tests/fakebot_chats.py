"""The chats of the local Bot API server (tests/fakebotapi.py): each chat's state, the messages
the server accepted, chat members and their status (getChatMember), and the updates a test
injects as users, admins and Telegram itself would cause them: a message or command, a tap on
an inline button, the bot removed from a chat (my_chat_member), a group upgraded to a
supergroup (migrate_to_chat_id)."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot_html import utf16_len

BOT_ID = 7000001
BOT_USERNAME = "sahel_test_bot"


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
    link_preview: Any = None  # the link_preview_options sent with it (None when not given)


@dataclass
class ChatState:
    type: str = "private"
    next_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)  # id -> {bot, text, markup}
    tokens: float = 5.0
    stamp: float = 0.0
    window: deque[float] = field(default_factory=deque)
    storm_left: int = 0
    storm_after: int = 0
    hold_until: float = 0.0
    members: dict[int, str] = field(default_factory=dict)  # user id -> status


def bot_user() -> dict[str, Any]:
    return {"id": BOT_ID, "is_bot": True, "first_name": "Sahel Test", "username": BOT_USERNAME}


def user(user_id: int, language_code: str = "en") -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "Tester", "language_code": language_code}


def member_json(user_id: int, status: str) -> dict[str, Any]:
    """A ChatMember object as getChatMember returns it, for `status`."""
    body: dict[str, Any] = {"user": user(user_id), "status": status}
    if status == "creator":
        body["is_anonymous"] = False
    elif status == "administrator":
        rights = (
            "can_be_edited", "can_manage_chat", "can_delete_messages", "can_manage_video_chats",
            "can_restrict_members", "can_promote_members", "can_change_info", "can_invite_users",
            "can_post_stories", "can_edit_stories", "can_delete_stories",
        )  # fmt: skip
        body.update({"is_anonymous": False, **dict.fromkeys(rights, True)})
    elif status == "kicked":
        body["until_date"] = 0
    return body


class ChatUpdates:
    """What users and Telegram do in chats, as updates for getUpdates (mixed into FakeBotAPI)."""

    lock: threading.Condition
    calls: list[tuple[str, dict[str, Any], int]]
    chat: Callable[..., ChatState]
    _push: Callable[[dict[str, Any]], dict[str, Any]]

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Make `user_id` a member of the chat with `status` ("creator", "administrator",
        "member", "left", "kicked"): what getChatMember answers from now on."""
        state = self.chat(chat_id)
        with self.lock:
            state.members[user_id] = status

    def member_status(self, chat_id: int, user_id: int) -> str:
        state = self.chat(chat_id)
        with self.lock:
            return state.members.get(user_id, "member")

    def _chat_json(self, chat_id: int, state: ChatState, title: str = "") -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": state.type}
        if state.type == "private":
            chat["first_name"] = "Tester"
        else:
            chat["title"] = title or f"Chat {chat_id}"
        return chat

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
            chat = self._chat_json(chat_id, state, title)
            if state.type == "supergroup" and thread_id is not None:
                chat["is_forum"] = True
            msg: dict[str, Any] = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": chat,
                "text": text,
            }
            if state.type != "channel":
                msg["from"] = user(user_id if user_id is not None else chat_id, language_code)
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
            query = {
                "id": f"cq{message_id}-{len(self.calls)}",
                "from": user(user_id if user_id is not None else chat_id),
                "chat_instance": f"ci{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": self._chat_json(chat_id, state),
                    "from": bot_user(),
                    "text": stored["plain"],
                },
            }
        return self._push({"callback_query": query})

    def bot_removed(self, chat_id: int, status: str = "kicked", by: int = 1) -> dict[str, Any]:
        """The bot blocked in a private chat, or removed from a group (`status` "kicked" or
        "left"): a my_chat_member update, as Telegram sends it."""
        state = self.chat(chat_id)
        with self.lock:
            change = {
                "chat": self._chat_json(chat_id, state),
                "from": user(by),
                "date": int(time.time()),
                "old_chat_member": {"user": bot_user(), "status": "member"},
                "new_chat_member": {
                    "user": bot_user(),
                    "status": status,
                    **({"until_date": 0} if status == "kicked" else {}),
                },
            }
        return self._push({"my_chat_member": change})

    def group_upgraded(self, old: int, new: int) -> dict[str, Any]:
        """A group became supergroup `new`: the service message in the old group that carries
        migrate_to_chat_id (sends to `old` are refused from now on, see `migrate`)."""
        state = self.chat(old, "group")
        with self.lock:
            message_id = state.next_id
            state.next_id += 1
            msg = {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": self._chat_json(old, state),
                "from": user(1),
                "migrate_to_chat_id": new,
            }
        return self._push({"message": msg})
