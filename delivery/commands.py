"""The bot's commands: every python-telegram-bot handler registered, and the command menu
(setMyCommands) in each interface language.

Subscribers: /start /stop /topics (inline keyboard) /mode /quiet /lang /format
(delivery.settings_commands, group admins only in groups) and /digest /search /status /whoami
/help (delivery.reader_commands), from private chats, groups, supergroups (forum topics kept as
message_thread_id) and channels; an unknown command or plain text in a private chat gets a
pointer to /help. Operators (Telegram user ids in rules.yaml `access.admins` or
SAHELWATCH_ADMINS): /sources /stats /pause NAME /resume NAME /reload
(delivery.operator_commands). Chat events: delivery.chat_events. Every answer is escaped HTML
sent through the sender (per-chat lock and pacing).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import BotCommand
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from delivery.chat_events import ChatEvents
from delivery.command_base import Ctx, Handler
from delivery.i18n import LANGS, text
from delivery.operator_commands import OperatorCommands
from delivery.reader_commands import ReaderCommands
from delivery.service import DeliveryService
from delivery.settings_commands import ALL, TOPIC, SettingsCommands
from delivery.subscriptions import ChatSubscriptions

LOG = logging.getLogger(__name__)
MENU = (
    "start", "stop", "topics", "mode", "quiet", "lang", "format", "digest", "search", "status",
    "whoami", "help",
)  # fmt: skip
DEFAULT_MENU_LANG = "en"  # the menu of users whose language has no menu of its own


class Commands(SettingsCommands, ReaderCommands, OperatorCommands, ChatEvents):
    """One instance per application; each handler method is a PTB callback."""


def menus() -> dict[str | None, list[BotCommand]]:
    """The command menu per language_code (None: the default, in English)."""
    out: dict[str | None, list[BotCommand]] = {}
    for lang in LANGS:
        key = None if lang == DEFAULT_MENU_LANG else lang
        out[key] = [BotCommand(name, text(lang, f"menu_{name}")) for name in MENU]
    return out


def register(
    app: Application[Any, Any, Any, Any, Any, Any],
    service: DeliveryService,
    subscriptions: ChatSubscriptions,
) -> Commands:
    """Add every handler to `app`, answering through `service` and changing chats'
    subscriptions through `subscriptions`; returns the Commands object (for tests)."""
    cmds = Commands(service, subscriptions)
    where = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
    public: dict[str, Handler] = {
        "start": cmds.start,
        "stop": cmds.stop,
        "topics": cmds.topics,
        "mode": cmds.mode,
        "quiet": cmds.quiet,
        "lang": cmds.set_lang,
        "format": cmds.set_format,
        "digest": cmds.digest,
        "search": cmds.search,
        "status": cmds.status,
        "whoami": cmds.whoami,
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
    app.add_handler(CallbackQueryHandler(cmds.toggle_topic, pattern=f"^({TOPIC}|{ALL}$)"))
    app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, cmds.migrated))
    app.add_handler(ChatMemberHandler(cmds.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(MessageHandler(filters.COMMAND & filters.UpdateType.MESSAGE, cmds.unknown))
    private_text = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE
    app.add_handler(MessageHandler(private_text & filters.UpdateType.MESSAGE, cmds.plain_text))
    app.add_error_handler(_log_error)
    return cmds


async def _log_error(update: object, context: Ctx) -> None:
    LOG.error("command handler failed", exc_info=context.error)
