"""The project's exception tree; every error we raise on purpose is one of these.

SahelWatchError
├── RulesError          rules.yaml is unreadable or invalid (carries every issue found)
├── SourceError         one source failed this cycle (counted on its health, never fatal)
│   ├── FetchError      network, HTTP status, size/time limits, redirects
│   └── ParseError      the body is not a feed / page we can read
├── StoreError          the state database refused an operation
└── DeliveryError       a message could not be handed to Telegram (or the terminal), or the
    │                   Bot API could not be reached
    └── TokenRejected   Telegram refused TELEGRAM_BOT_TOKEN (never carries the token)
"""

# No `from __future__ import annotations` here: `typing.NamedTuple` would compile each field's
# annotation string, and the first compile() in a process costs as much as a dataclass.
from typing import NamedTuple


class SahelWatchError(Exception):
    """Root of every error Sahel Watch raises deliberately."""


class RulesIssue(NamedTuple):
    """One problem in a rules file, located at 1-based line and column: an error (the file is
    refused) or a warning (valid, but likely not what was meant). A named tuple, as immutable
    as a frozen dataclass: `bot.py` imports this module, and `dataclasses` would add a fifth to
    every command's start-up (bench/bench_startup.py)."""

    path: str
    line: int
    column: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        return f"{self.path}:{self.line}:{self.column}: {kind}{self.message}"


class RulesError(SahelWatchError):
    """rules.yaml could not be loaded; `issues` lists every error found, in file order, and
    `warnings` what else was found (for `check`, which shows both)."""

    def __init__(self, issues: list[RulesIssue], warnings: list[RulesIssue] | None = None):
        self.issues = sorted(issues, key=lambda i: (i.path, i.line, i.column))
        self.warnings = sorted(warnings or [], key=lambda i: (i.path, i.line, i.column))
        super().__init__("\n".join(str(i) for i in self.issues))


class SourceError(SahelWatchError):
    """A source failed for this cycle; the message is written for an operator."""


class FetchError(SourceError):
    """The HTTP exchange failed: connection, status, timeout, size or redirect limit."""

    def __init__(self, message: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ParseError(SourceError):
    """The body arrived but is not something this source kind can read."""


class StoreError(SahelWatchError):
    """The state database refused an operation."""


class DeliveryError(SahelWatchError):
    """A message could not be delivered, or the Bot API could not be reached."""


class TokenRejected(DeliveryError):
    """Telegram refused the bot token (401): nothing will reach it until the token is fixed."""
