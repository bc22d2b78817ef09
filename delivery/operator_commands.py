"""The operators' commands: /sources (every source's health, split over as many messages as
it takes), /stats (today in an operator's terms), /pause NAME and /resume NAME (names in any
case, with a "did you mean" for a near miss, and a word when there is nothing to do), /reload.
Only the bot's operators may use them (`admin` wraps each); anyone else gets a polite refusal
and nothing happens."""

from __future__ import annotations

import difflib
from datetime import datetime, time

from telegram import Update

from core.health import SourceHealth
from delivery import render
from delivery.command_base import CommandBase, Ctx, Handler
from delivery.i18n import join, text


class OperatorCommands(CommandBase):
    def admin(self, action: Handler) -> Handler:
        """Wrap an operator command: non-admins get a refusal and the action never runs."""

        async def guarded(update: Update, context: Ctx) -> None:
            if not self.svc.is_admin(self.user_id(update)):
                await self.say_key(update, "admin_only")
                return
            await action(update, context)

        return guarded

    def _health(self) -> dict[str, SourceHealth]:
        return self.svc.ops.health() if self.svc.ops is not None else {}

    async def sources(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        lines = render.health_lines(self._health(), self.svc.tz)
        if not lines:
            await self.say_key(update, "no_sources")
            return
        await self.say_lines(chat.id, thread, lines)

    async def stats(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        lang = self.chat_lang(chat.id, update)
        now = self.svc.clock.now().astimezone(self.svc.tz)
        day = datetime.combine(now.date(), time(0), tzinfo=self.svc.tz)
        figures = self.subs.figures_since(day)
        titles = {t: topic.label(lang) for t, topic in self.svc.rules.topics.items()}
        sent = self.svc.sender.stats
        counts = (sent.sent, sent.failed, sent.retry_after)
        lines = render.stats_lines(lang, day, figures, titles, self._health(), counts)
        await self.say_lines(chat.id, thread, lines)

    def _find(self, name: str) -> tuple[SourceHealth | None, list[str]]:
        """The source called `name` in any case, else the names it may have meant."""
        health = self._health()
        by_fold = {n.casefold(): n for n in health}
        found = by_fold.get(name.casefold())
        if found is not None:
            return health[found], []
        near = difflib.get_close_matches(name.casefold(), list(by_fold), n=3, cutoff=0.6)
        inside = [n for f, n in by_fold.items() if name.casefold() in f and f not in near]
        return None, [by_fold[f] for f in near] + inside[: 3 - len(near)]

    async def _named(self, update: Update, context: Ctx, command: str) -> None:
        name = " ".join(context.args or []).strip()
        if not name:
            await self.say_key(update, "name_usage", command=command)
            return
        source, near = self._find(name)
        ops = self.svc.ops
        where = self.where(update)
        if where is None:
            return
        if source is None or ops is None:
            lang = self.chat_lang(where[0].id, update)
            said = text(lang, "unknown_source", name=name)
            if near:
                said += " " + text(lang, "did_you_mean", names=join(lang, near))
            await self.say(where[0].id, where[2], render.ui(said))
            return
        name = source.name
        if command == "pause":
            key = "already_paused" if source.paused_by_admin else "paused"
            if not source.paused_by_admin and not ops.pause(name):
                key = "unknown_source"
        elif not source.paused_by_admin:
            key = "paused_by_failures" if source.paused else "not_paused"
        else:
            key = "resumed" if ops.resume(name) else "not_paused"
        await self.say_key(update, key, name=name)

    async def pause(self, update: Update, context: Ctx) -> None:
        await self._named(update, context, "pause")

    async def resume(self, update: Update, context: Ctx) -> None:
        await self._named(update, context, "resume")

    async def reload(self, update: Update, context: Ctx) -> None:
        errors = self.svc.ops.reload() if self.svc.ops is not None else ["no reload hook wired"]
        if errors:
            await self.say_key(update, "reload_failed", errors="\n".join(errors[:20]))
        else:
            await self.say_key(update, "reloaded")
