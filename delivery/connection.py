"""Reaching the Bot API for the delivery service: one try (`connect`: the application
initialised, the command menus set, long polling started, then the sender), and, when the Bot
API cannot be reached at start, tries again with exponential back-off until it answers
(`keep_connecting`). A rejected token ends the tries: nothing will reach Telegram until it is
fixed. The service's `telegram` and `telegram_error` say how it stands.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from core.errors import DeliveryError, TokenRejected
from core.log import event

if TYPE_CHECKING:  # the service imports this module
    from delivery.service import DeliveryService


async def connect(service: DeliveryService) -> bool:
    """One try at the Bot API; True when connected (the sender then starts). TokenRejected
    when Telegram refuses the token."""
    from delivery.app import start_application  # PTB wiring, only with a token

    try:
        await start_application(service.application, service.poll_timeout_s)
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


async def keep_connecting(service: DeliveryService) -> None:
    """Try the Bot API again with exponential back-off until it answers."""
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
            if await connect(service):
                return
        except TokenRejected as exc:  # nothing to try again until the token is fixed
            event("telegram", "delivery", level=logging.ERROR, state="token rejected",
                  error=str(exc))  # fmt: skip
            return
        wait = min(wait * 2, longest)
