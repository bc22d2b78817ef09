"""What every subcommand shares: --rules/--state options and loading rules with clean errors.

Every command module is imported by bot.py to register its options, so none imports at its
top what only its handler needs (the rules loader, the matcher, the store, the service):
each handler imports its own, and a command starts with what it uses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from core.errors import RulesError

if TYPE_CHECKING:
    from config import Rules

Handler = Callable[[argparse.Namespace], int]


def common_parent(suppress: bool = False) -> argparse.ArgumentParser:
    """The options every subcommand takes. With `suppress` (an action under a subcommand, such
    as `sources add`), an option not given leaves the value the subcommand parsed alone."""
    parent = argparse.ArgumentParser(add_help=False)

    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    parent.add_argument(
        "--rules",
        default=default("rules.yaml"),
        metavar="FILE",
        help="rules file (default: rules.yaml)",
    )
    parent.add_argument(
        "--state",
        default=default(None),
        metavar="DIR",
        help="state folder for the SQLite database (default: $STATE_DIR or state/)",
    )
    parent.add_argument(
        "--log-json",
        action="store_true",
        default=default(False),
        help="log one JSON object a line",
    )
    parent.add_argument(
        "--log-level", default=default("WARNING"), help="log level (default: WARNING)"
    )
    return parent


def add_command(
    sub: Any, name: str, help_text: str, handler: Handler, description: str | None = None
) -> argparse.ArgumentParser:
    """Add subcommand `name` with the common options; `handler(args)` returns the exit code."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_text,
        description=description or help_text,
        parents=[common_parent()],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def rules_or_exit(args: argparse.Namespace) -> Rules | None:
    """Load --rules; on errors print them (one a line) to stderr and return None."""
    from config import load_rules

    try:
        return load_rules(args.rules)
    except RulesError as exc:
        for issue in exc.issues:
            print(issue, file=sys.stderr)
        return None
