"""The bot's commands: python-telegram-bot handlers for subscribers and operators.

Subscribers: /start /stop /topics (inline keyboard) /mode /quiet /lang /digest /search /status
/help; from private chats, groups, supergroups (forum topics kept as message_thread_id) and
channels. Operators (Telegram user ids in rules.yaml `access.admins` or SAHELWATCH_ADMINS):
/sources /stats /pause NAME /resume NAME /reload; anyone else gets a polite refusal and nothing
happens. Every answer is escaped HTML sent through the sender (per-chat lock and pacing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Chat, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from delivery import cadence, render
from delivery.compose import TG_LIMIT
from delivery.i18n import LANGS, lang_or_default, text
from delivery.service import DeliveryService, quiet_of
from storage.delivery_store import Subscriber

LOG = logging.getLogger(__name__)
Ctx = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Ctx], Coroutine[Any, Any, None]]
_TOPIC = "topic:"


class Commands:
    """One instance per application; each method is a PTB callback."""

    def __init__(self, service: DeliveryService) -> None:
        self.svc = service

    # -- helpers ----------------------------------------------------------------------------------

    def _where(self, update: Update) -> tuple[Chat, Message, int | None] | None:
        chat, message = update.effective_chat, update.effective_message
        if chat is None or message is None:
            return None
        thread = message.message_thread_id if message.is_topic_message else None
        if self.svc.store.subscriber(chat.id) is not None:
            self.svc.store.note_message_id(chat.id, message.message_id)
        return chat, message, thread

    def _lang(self, chat_id: int, update: Update) -> str:
        sub = self.svc.store.subscriber(chat_id)
        if sub is not None:
            return sub.lang
        user = update.effective_user
        guess = (user.language_code or "")[:2] if user else ""
        return lang_or_default(guess, lang_or_default(self.svc.rules.delivery.default_lang))

    async def _say(self, chat_id: int, thread: int | None, html: str, markup: Any = None) -> None:
        """Answer in the chat; an answer over Telegram's limit (/sources of a thousand feeds,
        /reload's errors) is cut, not refused."""
        await self.svc.sender.reply(chat_id, render.shorten(html, TG_LIMIT), thread, markup)

    async def _say_key(self, update: Update, key: str, **values: object) -> None:
        where = self._where(update)
        if where is None:
            return
        chat, _, thread = where
        lang = self._lang(chat.id, update)
        await self._say(chat.id, thread, render.ui(text(lang, key, **values)))

    def _user_id(self, update: Update) -> int | None:
        user = update.effective_user
        return user.id if user is not None else None

    async def _subscriber(self, update: Update) -> Subscriber | None:
        """The active subscription of the chat, or a "send /start first" answer."""
        where = self._where(update)
        if where is None:
            return None
        sub = self.svc.store.subscriber(where[0].id)
        if sub is None or not sub.active:
            await self._say_key(update, "not_subscribed")
            return None
        return sub

    def _topic_names(self, sub: Subscriber) -> str:
        from delivery.compose import followed

        names = [
            self.svc.rules.topics[t].label(sub.lang) for t in followed(sub.topics, self.svc.rules)
        ]
        return ", ".join(names) if names else text(sub.lang, "none")

    # -- subscriber commands ----------------------------------------------------------------------

    async def start(self, update: Update, context: Ctx) -> None:
        where = self._where(update)
        if where is None:
            return
        chat, message, thread = where
        if not self.svc.may_use(self._user_id(update), chat.id):
            await self._say_key(update, "not_allowed")
            return
        title = chat.title or chat.username or chat.full_name or ""
        sub, created = self.svc.subscribe(
            chat.id, chat.type, title, thread, self._lang(chat.id, update)
        )
        self.svc.store.note_message_id(chat.id, message.message_id)
        if created:
            reply = text(sub.lang, "welcome", topics=self._topic_names(sub), mode=sub.mode)
        else:
            reply = text(sub.lang, "welcome_back")
        await self._say(chat.id, thread, render.ui(reply))

    async def stop(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        self.svc.store.deactivate(sub.chat_id, "/stop", self.svc.clock.now())
        await self._say_key(update, "stopped")

    def _keyboard(self, sub: Subscriber) -> InlineKeyboardMarkup:
        rows = []
        for topic_id, topic in self.svc.rules.topics.items():
            mark = "✅" if topic_id in sub.topics else "▫️"
            data = (_TOPIC + topic_id)[:64]
            rows.append(
                [InlineKeyboardButton(f"{mark} {topic.label(sub.lang)}", callback_data=data)]
            )
        return InlineKeyboardMarkup(rows)

    async def topics(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        await self._say(
            sub.chat_id,
            sub.thread_id,
            render.ui(text(sub.lang, "topics_pick")),
            self._keyboard(sub),
        )

    async def toggle_topic(self, update: Update, context: Ctx) -> None:
        query = update.callback_query
        if query is None or query.data is None:
            return
        await query.answer()
        message = query.message
        if message is None:
            return
        sub = self.svc.store.subscriber(message.chat.id)
        topic_id = query.data[len(_TOPIC) :]
        if sub is None or not sub.active or topic_id not in self.svc.rules.topics:
            return
        if not self.svc.may_use(query.from_user.id, sub.chat_id):
            return
        chosen = [t for t in sub.topics if t != topic_id]
        if topic_id not in sub.topics:
            chosen.append(topic_id)
        updated = self.svc.store.update_settings(sub.chat_id, self.svc.clock.now(), topics=chosen)
        if updated is not None:
            await self.svc.sender.edit(
                sub.chat_id,
                message.message_id,
                render.ui(text(updated.lang, "topics_pick")),
                self._keyboard(updated),
            )

    async def mode(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        args = [a.lower() for a in (context.args or [])]
        if not args or args[0] not in cadence.MODES:
            await self._say_key(update, "mode_usage")
            return
        daily_at = sub.daily_at
        if len(args) > 1:
            parsed = cadence.parse_hhmm(args[1])
            if parsed is None:
                await self._say_key(update, "mode_usage")
                return
            daily_at = parsed
        now = self.svc.clock.now()
        self.svc.store.update_settings(sub.chat_id, now, mode=args[0], daily_at=daily_at)
        if args[0] != "instant":
            self.svc.store.set_last_digest(sub.chat_id, now)  # first digest at the next boundary
        shown = f"{args[0]} {daily_at}" if args[0] == "daily" else args[0]
        await self._say_key(update, "mode_set", mode=shown)

    async def quiet(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        arg = " ".join(context.args or []).strip().lower()
        if arg in ("off", "none", "0"):
            self.svc.store.update_settings(sub.chat_id, self.svc.clock.now(), quiet=None)
            await self._say_key(update, "quiet_off")
            return
        quiet = cadence.parse_quiet(arg)
        if quiet is None:
            await self._say_key(update, "quiet_usage")
            return
        self.svc.store.update_settings(sub.chat_id, self.svc.clock.now(), quiet=quiet)
        await self._say_key(
            update,
            "quiet_set",
            start=f"{quiet[0]:02d}",
            end=f"{quiet[1]:02d}",
            tz=self.svc.rules.delivery.timezone,
        )

    async def lang(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        args = [a.lower() for a in (context.args or [])]
        if not args or args[0] not in LANGS:
            await self._say_key(update, "lang_usage")
            return
        self.svc.store.update_settings(sub.chat_id, self.svc.clock.now(), lang=args[0])
        await self._say_key(update, "lang_set")

    async def digest(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        if not self.svc.digest_for(sub):
            await self._say_key(update, "digest_empty")

    async def search(self, update: Update, context: Ctx) -> None:
        where = self._where(update)
        if where is None:
            return
        chat, _, thread = where
        if not self.svc.may_use(self._user_id(update), chat.id):
            await self._say_key(update, "not_allowed")
            return
        query = " ".join(context.args or []).strip()
        if not query:
            await self._say_key(update, "search_usage")
            return
        hits = self.svc.stories.search(query, 10) if self.svc.stories is not None else []
        rows = [(h.title, h.url, h.source, h.published or h.first_seen) for h in hits]
        lang = self._lang(chat.id, update)
        await self._say(chat.id, thread, render.search_results(query, rows, lang, self.svc.tz))

    async def status(self, update: Update, context: Ctx) -> None:
        sub = await self._subscriber(update)
        if sub is None:
            return
        quiet = quiet_of(sub)
        pending = sum(
            1 for r in self.svc.store.outbox_for_chat(sub.chat_id) if r.state == "pending"
        )
        mode = f"{sub.mode} {sub.daily_at}" if sub.mode == "daily" else sub.mode
        await self._say_key(
            update,
            "status",
            active="✅",
            topics=self._topic_names(sub),
            mode=mode,
            quiet=f"{quiet[0]:02d}-{quiet[1]:02d}" if quiet else text(sub.lang, "none"),
            language=sub.lang,
            pending=pending,
        )

    async def help(self, update: Update, context: Ctx) -> None:
        where = self._where(update)
        if where is None:
            return
        chat, _, thread = where
        lang = self._lang(chat.id, update)
        body = text(lang, "help")
        if self.svc.is_admin(self._user_id(update)):
            body += text(lang, "help_admin")
        await self._say(chat.id, thread, render.ui(body))

    # -- operator commands ------------------------------------------------------------------------

    def admin(self, action: Handler) -> Handler:
        """Wrap an operator command: non-admins get a refusal and the action never runs."""

        async def guarded(update: Update, context: Ctx) -> None:
            if not self.svc.is_admin(self._user_id(update)):
                await self._say_key(update, "admin_only")
                return
            await action(update, context)

        return guarded

    async def sources(self, update: Update, context: Ctx) -> None:
        where = self._where(update)
        if where is None:
            return
        chat, _, thread = where
        health = self.svc.ops.health() if self.svc.ops is not None else {}
        table = render.health_table(health, self.svc.tz)
        await self._say(
            chat.id, thread, table or render.ui(text(self._lang(chat.id, update), "no_sources"))
        )

    async def stats(self, update: Update, context: Ctx) -> None:
        where = self._where(update)
        if where is None:
            return
        chat, _, thread = where
        figures = dict(self.svc.store.figures.stats())
        figures.update({f"sent_{k}": v for k, v in vars(self.svc.sender.stats).items()})
        lines = [f"{k}: {v}" for k, v in sorted(figures.items())]
        await self._say(chat.id, thread, render.ui("\n".join(lines)))

    async def _named(self, update: Update, context: Ctx, command: str) -> None:
        name = " ".join(context.args or []).strip()
        if not name:
            await self._say_key(update, "name_usage", command=command)
            return
        ops = self.svc.ops
        ok = ops is not None and (ops.pause(name) if command == "pause" else ops.resume(name))
        key = ("paused" if command == "pause" else "resumed") if ok else "unknown_source"
        await self._say_key(update, key, name=name)

    async def pause(self, update: Update, context: Ctx) -> None:
        await self._named(update, context, "pause")

    async def resume(self, update: Update, context: Ctx) -> None:
        await self._named(update, context, "resume")

    async def reload(self, update: Update, context: Ctx) -> None:
        errors = self.svc.ops.reload() if self.svc.ops is not None else ["no reload hook wired"]
        if errors:
            await self._say_key(update, "reload_failed", errors="\n".join(errors[:20]))
        else:
            await self._say_key(update, "reloaded")

    # -- chat events ----------------------------------------------------------------------------

    async def migrated(self, update: Update, context: Ctx) -> None:
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            self.svc.store.migrate_chat(message.chat.id, message.migrate_to_chat_id)

    async def membership(self, update: Update, context: Ctx) -> None:
        change = update.my_chat_member
        if change is None:
            return
        gone = change.new_chat_member.status in ("kicked", "left")
        if gone and self.svc.store.subscriber(change.chat.id) is not None:
            reason = f"bot {change.new_chat_member.status}"
            self.svc.store.deactivate(change.chat.id, reason, self.svc.clock.now())


def register(app: Application[Any, Any, Any, Any, Any, Any], service: DeliveryService) -> Commands:
    """Add every handler to `app`; returns the Commands object (for tests)."""
    cmds = Commands(service)
    where = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    public: dict[str, Handler] = {
        "start": cmds.start,
        "stop": cmds.stop,
        "topics": cmds.topics,
        "mode": cmds.mode,
        "quiet": cmds.quiet,
        "lang": cmds.lang,
        "digest": cmds.digest,
        "search": cmds.search,
        "status": cmds.status,
        "help": cmds.help,
    }
    operator: dict[str, Handler] = {
        "sources": cmds.sources,
        "stats": cmds.stats,
        "pause": cmds.pause,
        "resume": cmds.resume,
        "reload": cmds.reload,
    }
    for name, callback in public.items():
        app.add_handler(CommandHandler(name, callback, filters=where))
    for name, callback in operator.items():
        app.add_handler(CommandHandler(name, cmds.admin(callback), filters=where))
    app.add_handler(CallbackQueryHandler(cmds.toggle_topic, pattern=f"^{_TOPIC}"))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, cmds.migrated))
    app.add_handler(ChatMemberHandler(cmds.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_error_handler(_log_error)
    return cmds


async def _log_error(update: object, context: Ctx) -> None:
    LOG.error("command handler failed", exc_info=context.error)
