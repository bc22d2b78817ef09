"""What every bot command shares: where an update came from, the chat's language, answering
(escaped HTML through the sender, cut or split under Telegram's limit), the chat's
subscription (through delivery.subscriptions, never the store itself), and who may do what:
the bot's operators (`access.admins`, SAHELWATCH_ADMINS) and, for a group's settings, the
group's admins (delivery.group_admins).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Chat, Message, Update
from telegram.ext import ContextTypes

from core.text import is_arabic
from delivery import compose, render
from delivery.compose import TG_LIMIT
from delivery.group_admins import GROUPS, GroupAdmins
from delivery.i18n import join, lang_or_default, text
from delivery.service import DeliveryService
from delivery.subscriptions import ChatSubscriptions
from storage.delivery_store import Subscriber

Ctx = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Ctx], Coroutine[Any, Any, None]]


class CommandBase:
    """The helpers of the command handlers (delivery.commands puts them together)."""

    def __init__(self, service: DeliveryService, subscriptions: ChatSubscriptions) -> None:
        self.svc = service
        self.subs = subscriptions
        self.group_admins = GroupAdmins(service.clock)

    def where(self, update: Update) -> tuple[Chat, Message, int | None] | None:
        """The chat, the message and its forum topic; remembers the chat's last message id."""
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return None
        thread = message.message_thread_id if message.is_topic_message else None
        self.subs.seen(chat.id, message.message_id)
        return chat, message, thread

    def chat_lang(self, chat_id: int, update: Update) -> str:
        """The chat's language: its subscription's, else the user's Telegram language (Arabic
        for a message written in Arabic), else the rules' default."""
        sub = self.subs.subscriber(chat_id)
        if sub is not None:
            return sub.lang
        message = update.effective_message
        if message is not None and message.text and is_arabic(message.text):
            return "ar"
        user = update.effective_user
        guess = (user.language_code or "")[:2] if user else ""
        return lang_or_default(guess, lang_or_default(self.svc.rules.delivery.default_lang))

    async def say(self, chat_id: int, thread: int | None, html: str, markup: Any = None) -> None:
        """Answer in the chat; an answer over Telegram's limit is cut, not refused."""
        await self.svc.sender.reply(chat_id, render.shorten(html, TG_LIMIT), thread, markup)

    async def say_lines(self, chat_id: int, thread: int | None, lines: Sequence[str]) -> None:
        """Answer with lines of HTML, split over as many messages as they need."""
        for part in compose.split_lines(lines):
            await self.svc.sender.reply(chat_id, part, thread)

    async def say_key(self, update: Update, key: str, **values: object) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        lang = self.chat_lang(chat.id, update)
        await self.say(chat.id, thread, render.ui(text(lang, key, **values)))

    @staticmethod
    def user_id(update: Update) -> int | None:
        user = update.effective_user
        return user.id if user is not None else None

    async def subscriber(self, update: Update) -> Subscriber | None:
        """The active subscription of the chat, or a "send /start first" answer."""
        where = self.where(update)
        if where is None:
            return None
        sub = self.subs.active(where[0].id)
        if sub is None:
            await self.say_key(update, "not_subscribed")
        return sub

    def topic_names(self, sub: Subscriber) -> str:
        """The topics the chat follows, by name ("all topics (new ones too): A, B")."""
        rules = self.svc.rules
        following = compose.followed(self.svc.following(sub), rules)
        names = join(sub.lang, [rules.topics[t].label(sub.lang) for t in following])
        if sub.all_topics:
            every = text(sub.lang, "all_topics")
            return f"{every}: {names}" if names else every
        return names or text(sub.lang, "none")

    async def may_change(self, update: Update, context: Ctx) -> bool:
        """Whether the sender may change the chat's settings: anyone in a private chat or a
        channel; in a group its admins (and the bot's operators). Others are told politely."""
        chat = update.effective_chat
        if chat is None or chat.type not in GROUPS:
            return True
        user = self.user_id(update)
        message = update.effective_message
        sender_chat = message.sender_chat if message is not None else None
        if self.svc.is_admin(user) or (sender_chat is not None and sender_chat.id == chat.id):
            return True  # an operator, or an admin writing anonymously for the group
        allowed = (
            None if user is None else await self.group_admins.is_admin(context.bot, chat.id, user)
        )
        if not allowed:
            key = "group_check_failed" if allowed is None else "group_admins_only"
            await self.say_key(update, key)
        return bool(allowed)
