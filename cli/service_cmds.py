"""`once` and `run`: poll, match and deliver once, or run the long-running service."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from typing import Any

from cli.common import add_command
from core.errors import RulesError
from runner.service import Service


def register(sub: Any) -> None:
    add_command(
        sub,
        "once",
        "poll every source once, match, store, deliver, then exit",
        run_once,
        "Poll every enabled source once, match the items, store them, and deliver new stories\n"
        "(to Telegram with TELEGRAM_BOT_TOKEN, else to the terminal). Exit 0 when the cycle ran\n"
        "(even if some sources failed: see `sources`; or Telegram could not be reached: the\n"
        "messages wait in the outbox), 1 when the rules are invalid, another service holds the\n"
        "state folder, the database is corrupt or cannot be opened, or Telegram rejects the token.",
    )
    run = add_command(
        sub,
        "run",
        "the long-running service: watchers, digests, the bot",
        run_service,
        "Run until SIGTERM or Ctrl-C: every source on its own schedule, digests, and the bot\n"
        "(long polling with TELEGRAM_BOT_TOKEN; TELEGRAM_API_URL points at another Bot API\n"
        "server). Without a token, messages go to the terminal. Edits to the rules file are\n"
        "picked up live; a broken edit is refused and the old rules keep running. A second\n"
        "signal exits at once. One service at a time on a state folder; a Bot API that cannot\n"
        "be reached is tried again with back-off while watching goes on.",
    )
    run.add_argument(
        "--http",
        default=os.environ.get("SAHELWATCH_HTTP", ""),
        metavar="HOST:PORT",
        help="serve /healthz and /metrics here (default: $SAHELWATCH_HTTP, off when empty)",
    )
    run.add_argument(
        "--reload-every",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="how often to look for an edited rules file (default 2)",
    )


def _service(args: argparse.Namespace) -> Service | None:
    """The service, or None after printing the rules' problems (one a line). Its other errors
    (a state folder in use, a corrupt database) go to bot.py, which reports them."""
    try:
        return Service(args.rules, args.state)
    except RulesError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
    return None


def run_once(args: argparse.Namespace) -> int:
    service = _service(args)
    if service is None:
        return 1

    async def go() -> None:
        try:
            reports = await service.once()
        finally:
            await service.close()
        for report in reports:
            status = "ok" if report.ok else f"FAILED: {report.error}"
            print(
                f"{report.source}: {status}; {report.items} items, {report.new_items} new, "
                f"{report.matched} on topic",
                file=sys.stderr,
            )

    asyncio.run(go())
    return 0


def run_service(args: argparse.Namespace) -> int:
    service = _service(args)
    if service is None:
        return 1
    from runner.live import Live  # the optional parts: reload watcher, HTTP endpoint

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        signals = 0

        def on_signal() -> None:
            nonlocal signals
            signals += 1
            if signals > 1:
                os._exit(130)  # a second signal: leave at once (SQLite's WAL keeps the data safe)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
        live = Live(service, http=args.http, reload_every_s=args.reload_every)
        await live.start()
        try:
            await service.run(stop)
        finally:
            await live.stop()
            await service.close()

    asyncio.run(go())
    return 0
