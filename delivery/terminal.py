"""The terminal transport: without a token, messages are printed (as plain text) to a stream.

The embedded default: `bot.py run` with no TELEGRAM_BOT_TOKEN delivers to one local subscriber,
chat id 0, with the rules' delivery defaults. It cannot probe, so a message a crash left in
flight is printed again (the terminal is the one place where a repeat is harmless). It has no
rate limits of Telegram's: the service gives it an unpaced sender (`delivery.pacing.Unpaced`).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from delivery import render

TERMINAL_CHAT = 0


class TerminalTransport:
    can_probe = False

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._next_id = 0

    async def send(
        self,
        chat_id: int,
        text: str,
        thread_id: int | None = None,
        markup: Any = None,
        *,
        preview: bool = False,
    ) -> int:
        self._next_id += 1
        rule = "─" * 60
        self.stream.write(f"{rule}\n{render.plain(text)}\n")
        self.stream.flush()
        return self._next_id

    async def edit(
        self, chat_id: int, message_id: int, text: str, markup: Any = None, *, preview: bool = False
    ) -> None:
        await self.send(chat_id, text)

    async def probe(
        self, chat_id: int, message_id: int, text: str, *, preview: bool = False
    ) -> bool | None:
        return None
