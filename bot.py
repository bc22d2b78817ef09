"""Sahel Watch entry point: parses the command line and hands off to the subcommand. No logic."""

from __future__ import annotations

import argparse
import logging
import sys

from cli import rules_cmds, service_cmds, sources_cmds, stories, story_cmds
from core import gc_tuning, log
from core.errors import SahelWatchError

COMMANDS = (rules_cmds, service_cmds, sources_cmds, stories, story_cmds)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bot.py",
        description="Sahel Watch: a self-hosted news monitor for Libya, the Sahel and Russia's "
        "military footprint in Africa, delivering to Telegram (or the terminal without a token).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    log.setup(args.log_level, args.log_json)
    gc_tuning.tune()  # a long-running process of many small allocations (core/gc_tuning.py)
    try:
        code: int = args.handler(args)
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    except SahelWatchError as exc:  # an operator's problem (no database, a rejected token)
        if args.log_json:
            logging.getLogger("sahelwatch").error("%s", exc)  # one JSON line, redacted
        else:
            print(f"error: {log.Redactor().clean(str(exc))}", file=sys.stderr)
        return 1
    except Exception:  # a bug: its traceback goes through the log's token redactor
        logging.getLogger("sahelwatch").critical("stopped by an unexpected error", exc_info=True)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main())
