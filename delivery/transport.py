"""How a message leaves: the Transport protocol, its outcomes, and the Telegram transport.

The sender speaks only to a `Transport`; Telegram's answers become these outcomes:
`RetryLater` (429, with retry_after), `ChatGone` (403 blocked/kicked/deactivated, or the chat
no longer exists), `ChatMoved` (the group became a supergroup: migrate_to_chat_id), `Rejected`
(400: the message itself will never be accepted), `Unsure` (timeout or network failure after the
request may have reached Telegram). `probe` asks whether the message with `message_id` in the chat
is ours with exactly `text`: editing a message to its own text is refused with "message is not
modified", which is how the outbox reconciles a send that a crash or timeout left unanswered.
"""

from __future__ import annotations

import os
import warnings
from datetime import timedelta
from typing import Any, Protocol

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.warnings import PTBDeprecationWarning

from core.errors import DeliveryError

# PTB 22 deprecates RetryAfter.retry_after as an int (and warns as it builds the exception); opt in
# to the timedelta form, as PTB's deprecation notice says. An operator's explicit setting wins.
os.environ.setdefault("PTB_TIMEDELTA", "1")


class SendError(DeliveryError):
    """A send did not complete normally."""


class RetryLater(SendError):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"429: retry after {seconds:g}s")
        self.seconds = seconds


class ChatGone(SendError):
    """The bot can no longer write to this chat (blocked, kicked, deactivated, not found)."""


class ChatMoved(SendError):
    def __init__(self, new_chat_id: int) -> None:
        super().__init__(f"chat migrated to {new_chat_id}")
        self.new_chat_id = new_chat_id


class Rejected(SendError):
    """Telegram refused this message as it is (bad HTML, too long, ...)."""


class Unsure(SendError):
    """The request may or may not have reached Telegram."""


class Transport(Protocol):
    """Where messages go: Telegram, or the terminal. `preview`: show the link preview of the
    message's first link (a full alert's headline); off otherwise."""

    can_probe: bool

    async def send(
        self,
        chat_id: int,
        text: str,
        thread_id: int | None = None,
        markup: Any = None,
        *,
        preview: bool = False,
    ) -> int:
        """Send HTML `text`; return the new message id."""
        ...

    async def edit(
        self, chat_id: int, message_id: int, text: str, markup: Any = None, *, preview: bool = False
    ) -> None:
        """Replace the text (and keyboard) of one of our messages."""
        ...

    async def probe(
        self, chat_id: int, message_id: int, text: str, *, preview: bool = False
    ) -> bool | None:
        """True when message `message_id` in the chat is ours and reads exactly `text`; False when
        it is someone else's; None when there is no message with that id."""
        ...


def preview_options(preview: bool) -> LinkPreviewOptions:
    """Telegram's link preview settings: off, or the first link's preview in its small form
    under the text (an alert stays a few lines tall on a phone)."""
    if not preview:
        return LinkPreviewOptions(is_disabled=True)
    return LinkPreviewOptions(is_disabled=False, prefer_small_media=True)


def retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter's delay in seconds, whether PTB hands a timedelta (PTB_TIMEDELTA=1) or an int
    (deprecated in PTB 22: read here with its warning silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


_GONE = ("chat not found", "user not found", "bot was kicked", "not enough rights", "deactivated")
_NOT_MODIFIED = "message is not modified"
_ABSENT = ("message to edit not found", "message_id_invalid")
_NOT_OURS = ("message can't be edited",)


def _translate(exc: TelegramError) -> SendError:
    if isinstance(exc, RetryAfter):
        return RetryLater(retry_seconds(exc))
    if isinstance(exc, ChatMigrated):
        return ChatMoved(exc.new_chat_id)
    if isinstance(exc, Forbidden):
        return ChatGone(exc.message)
    if isinstance(exc, BadRequest):
        if any(s in exc.message.lower() for s in _GONE):
            return ChatGone(exc.message)
        return Rejected(exc.message)
    if isinstance(exc, NetworkError):  # TimedOut is a NetworkError too
        return Unsure(exc.message)
    return Unsure(f"{type(exc).__name__}: {exc.message}")


class TelegramTransport:
    """Sends through a python-telegram-bot `Bot` (its HTTP client; no rate limiter of its own)."""

    can_probe = True

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(
        self,
        chat_id: int,
        text: str,
        thread_id: int | None = None,
        markup: Any = None,
        *,
        preview: bool = False,
    ) -> int:
        try:
            message = await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                message_thread_id=thread_id,
                link_preview_options=preview_options(preview),
                reply_markup=markup,
            )
        except BadRequest as exc:
            if thread_id is not None and "thread not found" in exc.message.lower():
                # the forum topic is gone
                return await self.send(chat_id, text, None, markup, preview=preview)
            raise _translate(exc) from exc
        except TelegramError as exc:
            raise _translate(exc) from exc
        return message.message_id

    async def _edit_text(
        self, chat_id: int, message_id: int, text: str, markup: Any, preview: bool
    ) -> None:
        """The raw edit (Telegram errors as PTB raises them), shared by `edit` and `probe`."""
        await self.bot.edit_message_text(
            text,
            chat_id=chat_id,
            message_id=message_id,
            parse_mode=ParseMode.HTML,
            link_preview_options=preview_options(preview),
            reply_markup=markup,
        )

    async def edit(
        self, chat_id: int, message_id: int, text: str, markup: Any = None, *, preview: bool = False
    ) -> None:
        try:
            await self._edit_text(chat_id, message_id, text, markup, preview)
        except BadRequest as exc:
            if _NOT_MODIFIED in exc.message.lower():
                return
            raise _translate(exc) from exc
        except TelegramError as exc:
            raise _translate(exc) from exc

    async def probe(
        self, chat_id: int, message_id: int, text: str, *, preview: bool = False
    ) -> bool | None:
        try:
            await self._edit_text(chat_id, message_id, text, None, preview)
        except BadRequest as exc:
            lowered = exc.message.lower()
            if _NOT_MODIFIED in lowered:
                return True
            if any(s in lowered for s in _ABSENT):
                return None
            if any(s in lowered for s in _NOT_OURS):
                return False
            raise _translate(exc) from exc
        except TelegramError as exc:
            raise _translate(exc) from exc
        # The edit went through: that id held another of our messages, which now shows this text.
        # The sender never leaves its own messages above the probe start, so this does not happen
        # in practice; the text is in the chat either way.
        return True
