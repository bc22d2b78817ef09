"""Structured logging: one event per stage per source, text or JSON, never carrying the token.

Call `event(stage, source, **fields)` from any stage's edge. `setup()` installs the handler once;
every handler gets the `Redactor`, which removes the bot token (and any `/bot<token>/` path)
from every record, including the request lines httpx logs.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

LOGGER = logging.getLogger("sahelwatch")
_BOT_PATH = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")


class Redactor(logging.Filter):
    """Masks the Telegram token wherever it appears in a log record."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = (
            token if token is not None else os.environ.get("TELEGRAM_BOT_TOKEN", "")
        ).strip()

    def clean(self, text: str) -> str:
        """`text` with the token (and any /bot<token> path) masked."""
        if self.token:
            text = text.replace(self.token, "<token>")
        return _BOT_PATH.sub("/bot<token>", text)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.clean(record.getMessage())
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                k: self.clean(v) if isinstance(v, str) else v for k, v in fields.items()
            }
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.clean(record.exc_text)
            record.exc_info = None  # formatters print exc_text; the raw exception may hold it
        if record.stack_info:
            record.stack_info = self.clean(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, event and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        import json  # bot.py imports this module: json only once something is logged

        data: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_text:
            data["exc"] = record.exc_text
        return json.dumps(data, ensure_ascii=False, default=str)


def setup(level: str = "INFO", json_lines: bool = False, stream: Any = None) -> None:
    """Install one handler on the root logger (idempotent), with the token redactor."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_sahelwatch", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._sahelwatch = True  # type: ignore[attr-defined]  # marker to find our handler again
    handler.addFilter(Redactor())
    text = logging.Formatter("%(asctime)s %(levelname)s %(message)s")
    handler.setFormatter(JsonFormatter() if json_lines else text)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # httpx logs every request URL at INFO; a Bot API URL carries the token. Keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    # APScheduler logs every job it runs at INFO (most of a service's log): only its warnings,
    # unless DEBUG is asked for
    debug = root.level <= logging.DEBUG
    logging.getLogger("apscheduler").setLevel(logging.NOTSET if debug else logging.WARNING)


def event(stage: str, source: str, level: int = logging.INFO, **fields: Any) -> None:
    """Log one structured event: `stage source=NAME key=value ...` (JSON fields when asked)."""
    payload = {"stage": stage, "source": source, **fields}
    text = " ".join(f"{k}={_show(v)}" for k, v in payload.items())
    LOGGER.log(level, text, extra={"fields": payload})


def _show(value: Any) -> str:
    import json

    text = str(value)
    return json.dumps(text, ensure_ascii=False) if (" " in text or not text) else text
