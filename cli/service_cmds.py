"""`once` and `run`: poll, match and deliver once, or run the long-running service."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING, Any

from cli.common import add_command
from core.errors import RulesError

if TYPE_CHECKING:  # the service is imported when a command runs it (cli/common.py)
    from runner.service import Service


def register(sub: Any) -> None:
    once = add_command(
        sub,
        "once",
        "poll every source once, match, store, deliver, then exit",
        run_once,
        "Poll every enabled source once, match the items, store them, and deliver new stories\n"
        "(to Telegram with TELEGRAM_BOT_TOKEN, else to the terminal). Exit 0 when the cycle ran\n"
        "(even if some sources failed: see `sources`; or Telegram could not be reached: the\n"
        "messages wait in the outbox), 1 when the rules are invalid, another service holds the\n"
        "state folder, the database is corrupt or cannot be opened, or Telegram rejects the\n"
        "token. --source NAME (repeatable; any case) polls only those sources.",
    )
    once.add_argument(
        "--source",
        action="append",
        metavar="NAME",
        help="poll only this source (repeatable; names in any case)",
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
    from runner.service import Service

    try:
        return Service(args.rules, args.state)
    except RulesError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
    return None


def chosen_sources(names: list[str], known: list[str]) -> tuple[list[str], list[str]]:
    """(the sources `names` name, in rules order; a line for each name that names none, with
    "did you mean"). Names match in any case."""
    from config.yamlnodes import did_you_mean

    by_lower = {name.lower(): name for name in known}
    problems = [
        f"--source {name!r}: no source of that name{did_you_mean(name, known)}"
        for name in names
        if name.lower() not in by_lower
    ]
    wanted = {by_lower[n.lower()] for n in names if n.lower() in by_lower}
    return [name for name in known if name in wanted], problems


def run_once(args: argparse.Namespace) -> int:
    import asyncio  # only where a command runs a loop: 30 ms at start-up

    service = _service(args)
    if service is None:
        return 1
    only = None
    if args.source:
        only, problems = chosen_sources(args.source, [s.name for s in service.rules.sources])
        for line in problems:
            print(line, file=sys.stderr)
        if problems:
            asyncio.run(service.close())
            return 1
        for source in service.rules.sources:
            if source.name in only and not source.enabled:
                print(f"{source.name}: disabled (enabled: false), not polled", file=sys.stderr)

    async def go() -> None:
        try:
            reports = await service.once(only)
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
    import asyncio  # only where a command runs a loop: 30 ms at start-up
    import signal

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
