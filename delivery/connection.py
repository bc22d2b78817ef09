"""Reaching the Bot API for the delivery service: one try (`connect`: the bot started, then
the sender; delivery.app.PollingBot initialises the application, sets the command menus and
starts long polling), and, when the Bot API cannot be reached at start, tries again with
exponential back-off until it answers (`keep_connecting`). A rejected token ends the tries:
nothing will reach Telegram until it is fixed. The service's `telegram` and `telegram_error`
say how it stands.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from core.errors import DeliveryError, TokenRejected
from core.log import event
from delivery.ports import BotRuntime

if TYPE_CHECKING:  # for the annotations only: the service imports this module
    from delivery.service import DeliveryService


async def connect(service: DeliveryService, bot: BotRuntime) -> bool:
    """One try at starting `bot`; True when connected (the sender then starts). TokenRejected
    when Telegram refuses the token."""
    try:
        await bot.start()
    except TokenRejected as exc:
        service.telegram, service.telegram_error = "token rejected", str(exc)
        raise
    except DeliveryError as exc:
        service.telegram, service.telegram_error = "unreachable", str(exc)
        return False
    service.telegram, service.telegram_error = "connected", ""
    event("telegram", "delivery", state="connected")
    service.sender.start()
    return True


async def keep_connecting(service: DeliveryService, bot: BotRuntime) -> None:
    """Try starting `bot` again with exponential back-off until the Bot API answers."""
    first, longest = service.connect_backoff_s
    wait = first
    while True:
        event(
            "telegram", "delivery", level=logging.WARNING, state="unreachable",
            error=service.telegram_error, retry_in_s=wait,
            queued=service.store.figures.pending_count(),
        )  # fmt: skip
        await asyncio.sleep(wait)
        try:
            if await connect(service, bot):
                return
        except TokenRejected as exc:  # nothing to try again until the token is fixed
            event("telegram", "delivery", level=logging.ERROR, state="token rejected",
                  error=str(exc))  # fmt: skip
            return
        wait = min(wait * 2, longest)
