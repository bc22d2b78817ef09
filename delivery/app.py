"""Wiring: the python-telegram-bot Application and the DeliveryService the runner starts.

`build_service(...)` reads TELEGRAM_BOT_TOKEN (environment only, never logged) and
TELEGRAM_API_URL (default https://api.telegram.org: a self-hosted Bot API server or a test
server). With a token: a PTB 22 Application (long polling, no JobQueue of its own: digests run on
the runner's APScheduler; no AIORateLimiter: the Pacer paces), handed to the service as a
`PollingBot` it starts and stops, its command handlers, and the Telegram transport. Without one:
the terminal transport and its one local subscriber.
"""

from __future__ import annotations

import os
from typing import Any, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from telegram import Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder

from config.model import Rules
from core.clock import Clock
from core.errors import DeliveryError, TokenRejected
from delivery.commands import menus, register
from delivery.pacing import Limits, Pacer, Unpaced
from delivery.ports import Operations, StorySource
from delivery.sender import OutboxSender
from delivery.service import DeliveryService
from delivery.terminal import TerminalTransport
from delivery.transport import TelegramTransport, Transport
from ops.metrics import Metrics
from storage.delivery_store import DeliveryStore

DEFAULT_API = "https://api.telegram.org"
ALLOWED_UPDATES = ["message", "channel_post", "callback_query", "my_chat_member"]


def api_urls(api_url: str | None = None) -> tuple[str, str]:
    """(base_url, base_file_url) for PTB from TELEGRAM_API_URL (or `api_url`)."""
    root = (api_url or os.environ.get("TELEGRAM_API_URL") or DEFAULT_API).rstrip("/")
    if root.endswith("/bot"):
        root = root[: -len("/bot")]
    return f"{root}/bot", f"{root}/file/bot"


def build_application(
    token: str, api_url: str | None = None
) -> Application[Any, Any, Any, Any, Any, Any]:
    """A PTB Application for `token` against TELEGRAM_API_URL, without JobQueue or rate limiter."""
    base, files = api_urls(api_url)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        Application.builder()
        .token(token)
        .base_url(base)
        .base_file_url(files)
        .job_queue(None)
        .concurrent_updates(8)
        .connect_timeout(10.0)
        .read_timeout(20.0)
        .write_timeout(20.0)
        .get_updates_read_timeout(40.0)
    )
    return builder.build()


class PollingBot:
    """A PTB Application as the delivery service starts and stops it (delivery.ports.BotRuntime):
    connected, its command menus set, long polling the Bot API."""

    def __init__(
        self, app: Application[Any, Any, Any, Any, Any, Any], poll_timeout_s: float = 10.0
    ) -> None:
        self.app = app
        self.poll_timeout_s = poll_timeout_s

    async def start(self) -> None:
        """Connect to the Bot API and start long polling; safe to call again after a failure.

        TokenRejected when Telegram refuses the token; DeliveryError, in words, when the Bot API
        cannot be reached or answers with an error. Neither carries the token (PTB's own
        InvalidToken message does, so it is never passed on)."""
        app = self.app
        try:
            await app.initialize()
            for language, menu in menus().items():  # the menu in each interface language
                await app.bot.set_my_commands(menu, language_code=language)
            if not app.running:
                await app.start()
            updater = app.updater
            assert updater is not None  # built with one: ApplicationBuilder's default
            if not updater.running:
                await updater.start_polling(
                    poll_interval=0.0,
                    timeout=int(max(0, self.poll_timeout_s)),
                    allowed_updates=ALLOWED_UPDATES,
                    drop_pending_updates=False,
                )
        except InvalidToken:
            raise TokenRejected(
                "Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized): check the token "
                "(@BotFather gives it) and TELEGRAM_API_URL"
            ) from None
        except TelegramError as exc:  # NetworkError, TimedOut, 5xx: try again later
            raise DeliveryError(f"the Bot API is unreachable: {exc.message}") from None

    async def stop(self) -> None:
        app = self.app
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await app.shutdown()


def build_service(
    rules: Rules,
    store: DeliveryStore,
    stories: StorySource | None = None,
    *,
    ops: Operations | None = None,
    scheduler: AsyncIOScheduler | None = None,
    clock: Clock | None = None,
    token: str | None = None,
    api_url: str | None = None,
    limits: Limits | None = None,
    stream: TextIO | None = None,
    poll_timeout_s: float = 10.0,
    metrics: Metrics | None = None,
) -> DeliveryService:
    """The service for `bot.py run`: Telegram when a token is set, else the terminal."""
    token = token if token is not None else os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:  # the terminal is not paced like Telegram
        terminal_sender = OutboxSender(
            store, TerminalTransport(stream), Unpaced(metrics=metrics), clock, metrics=metrics
        )
        return DeliveryService(
            rules,
            store,
            terminal_sender,
            stories,
            ops=ops,
            clock=clock,
            scheduler=scheduler,
            terminal=True,
        )
    app = build_application(token, api_url)
    transport: Transport = TelegramTransport(app.bot)
    sender = OutboxSender(store, transport, Pacer(limits, metrics=metrics), clock, metrics=metrics)
    service = DeliveryService(
        rules,
        store,
        sender,
        stories,
        ops=ops,
        clock=clock,
        scheduler=scheduler,
        bot=PollingBot(app, poll_timeout_s),
    )
    register(app, service, service.subscriptions)
    return service


__all__ = ["PollingBot", "Update", "api_urls", "build_application", "build_service"]
