"""What Telegram tells the bot about its chats: a group upgraded to a supergroup (the
subscription, outbox and deliveries move to the new id) and the bot blocked, kicked or gone
from a chat (my_chat_member: the subscription is deactivated and its pending messages
dropped)."""

from __future__ import annotations

from telegram import Update

from delivery.command_base import CommandBase, Ctx


class ChatEvents(CommandBase):
    async def migrated(self, update: Update, context: Ctx) -> None:
        message = update.effective_message
        if message is not None and message.migrate_to_chat_id:
            self.subs.migrate(message.chat.id, message.migrate_to_chat_id)

    async def membership(self, update: Update, context: Ctx) -> None:
        change = update.my_chat_member
        if change is None:
            return
        gone = change.new_chat_member.status in ("kicked", "left")
        if gone and self.subs.subscriber(change.chat.id) is not None:
            self.subs.stop(change.chat.id, f"bot {change.new_chat_member.status}")
