"""The operators' commands: /sources (every source's health), /stats (the store's and the
sender's counters), /pause NAME and /resume NAME, /reload. Only the bot's operators may use
them (`admin` wraps each); anyone else gets a polite refusal and nothing happens."""

from __future__ import annotations

from telegram import Update

from delivery import render
from delivery.command_base import CommandBase, Ctx, Handler


class OperatorCommands(CommandBase):
    def admin(self, action: Handler) -> Handler:
        """Wrap an operator command: non-admins get a refusal and the action never runs."""

        async def guarded(update: Update, context: Ctx) -> None:
            if not self.svc.is_admin(self.user_id(update)):
                await self.say_key(update, "admin_only")
                return
            await action(update, context)

        return guarded

    async def sources(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        health = self.svc.ops.health() if self.svc.ops is not None else {}
        lines = render.health_lines(health, self.svc.tz)
        if not lines:
            await self.say_key(update, "no_sources")
            return
        await self.say(chat.id, thread, "\n".join(lines))

    async def stats(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, _, thread = where
        figures = dict(self.svc.store.figures.stats())
        figures.update({f"sent_{k}": v for k, v in vars(self.svc.sender.stats).items()})
        lines = [f"{k}: {v}" for k, v in sorted(figures.items())]
        await self.say(chat.id, thread, render.ui("\n".join(lines)))

    async def _named(self, update: Update, context: Ctx, command: str) -> None:
        name = " ".join(context.args or []).strip()
        if not name:
            await self.say_key(update, "name_usage", command=command)
            return
        ops = self.svc.ops
        ok = ops is not None and (ops.pause(name) if command == "pause" else ops.resume(name))
        key = ("paused" if command == "pause" else "resumed") if ok else "unknown_source"
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
