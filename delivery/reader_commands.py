"""The commands that read without changing anything: /digest /search /status /whoami /help,
and the answer to anything the bot does not know (an unknown command, or plain text in a
private chat), in the chat's language."""

from __future__ import annotations

from telegram import Update

from delivery import render
from delivery.command_base import CommandBase, Ctx
from delivery.group_admins import GROUPS
from delivery.i18n import LANG_NAMES, mode_name, quiet_hours, text


class ReaderCommands(CommandBase):
    async def digest(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None:
            return
        if not self.svc.digest_for(sub):
            await self.say_key(update, "digest_empty")

    async def search(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        if not self.svc.may_use(self.user_id(update), chat.id):
            await self.say_key(update, "not_allowed")
            return
        query = " ".join(context.args or []).strip()
        if not query:
            await self.say_key(update, "search_usage")
            return
        hits = self.svc.stories.search(query, 10) if self.svc.stories is not None else []
        lang = self.chat_lang(chat.id, update)
        await self.say_lines(chat.id, thread, render.search_results(query, hits, lang, self.svc.tz))

    async def status(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None:
            return
        pending = self.subs.pending(sub.chat_id)
        await self.say_key(
            update,
            "status",
            active="✅",
            topics=self.topic_names(sub),
            mode=mode_name(sub.lang, sub.mode, sub.daily_at),
            format=text(sub.lang, f"format_{sub.format}"),
            quiet=quiet_hours(sub.lang, sub.quiet, self.svc.rules.delivery.timezone),
            language=LANG_NAMES.get(sub.lang, sub.lang),
            pending=pending,
        )

    async def help(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        lang = self.chat_lang(chat.id, update)
        body = text(lang, "help")
        if chat.type in GROUPS:
            body += text(lang, "help_group")
        if self.svc.is_admin(self.user_id(update)):
            body += text(lang, "help_admin")
        await self.say(chat.id, thread, render.ui(body))

    async def whoami(self, update: Update, context: Ctx) -> None:
        """The sender's Telegram user id (what SAHELWATCH_ADMINS lists) and the chat's id."""
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        lang = self.chat_lang(chat.id, update)
        user = self.user_id(update)
        lines = [text(lang, "whoami", user_id=user if user is not None else "-", chat_id=chat.id)]
        lines.append(text(lang, "whoami_admin" if self.svc.is_admin(user) else "whoami_how"))
        await self.say(chat.id, thread, render.ui("\n".join(lines)))

    async def unknown(self, update: Update, context: Ctx) -> None:
        """A command the bot does not have: say so and point to /help. In a group only a
        command addressed to this bot (/foo@thisbot) is answered: others may be another bot's."""
        where = self.where(update)
        if where is None or not where[1].text:
            return
        chat, message, _ = where
        command, _, bot = str(message.text).split()[0].partition("@")
        if bot and bot.lower() != (context.bot.username or "").lower():
            return  # addressed to another bot
        if chat.type != "private" and not bot:
            return
        await self.say_key(update, "unknown_command", command=command[:64])

    async def plain_text(self, update: Update, context: Ctx) -> None:
        """Text that is not a command, in a private chat: what the bot does and where to start."""
        await self.say_key(update, "plain_text")
