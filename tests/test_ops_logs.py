"""Issue item 4, pinned from the operator's side: the bot token never reaches a log line, in text
or JSON, including httpx's own request lines for a Bot API URL (which carries the token)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from core import log
from ops.httpserver import Health, OpsServer

TOKEN = "123456789:AAH-secret_Token-value"


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[bool], io.StringIO]]:
    """log.setup() with the token in the environment; the root logger restored afterwards."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}

    def setup(json_lines: bool) -> io.StringIO:
        buffer = io.StringIO()
        log.setup("DEBUG", json_lines=json_lines, stream=buffer)
        return buffer

    yield setup
    for handler in list(root.handlers):
        if handler not in saved[0]:
            root.removeHandler(handler)
    root.setLevel(saved[1])
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("json_lines", [False, True])
async def test_httpx_request_lines_never_show_the_token(captured, json_lines: bool) -> None:
    buffer = captured(json_lines)
    logging.getLogger("httpx").setLevel(logging.INFO)  # as if an operator turned httpx up
    async with (
        OpsServer(lambda: Health(ready=True)) as srv,
        httpx.AsyncClient(trust_env=False) as client,
    ):
        response = await client.get(f"{srv.url}/bot{TOKEN}/getMe")
    assert response.status_code == 404
    logging.getLogger("sahelwatch").warning("sending with %s failed", TOKEN)
    text = buffer.getvalue()
    assert "HTTP Request: GET" in text and "/bot<token>/getMe" in text
    assert "sending with <token> failed" in text
    assert TOKEN not in text and "AAH-secret" not in text
    if json_lines:
        assert all(json.loads(line)["msg"] for line in text.splitlines())


def test_json_event_fields_never_show_the_token(captured) -> None:
    buffer = captured(True)
    log.event("send", "telegram", url=f"https://api.telegram.org/bot{TOKEN}/sendMessage")
    assert TOKEN not in buffer.getvalue()


def test_tracebacks_never_show_the_token(captured) -> None:
    for json_lines in (False, True):
        buffer = captured(json_lines)
        try:
            raise RuntimeError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
        except RuntimeError:
            log.LOGGER.exception("send failed")
        text = buffer.getvalue()
        assert "send failed" in text and "RuntimeError" in text
        assert TOKEN not in text


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_the_scheduler_log_shows_at_debug_only(level: str, shown: bool) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("apscheduler").level)
    buffer = io.StringIO()
    try:
        log.setup(level, stream=buffer)
        logging.getLogger("apscheduler.executors.default").info('Running job "poll A"')
        logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
        logging.getLogger("sahelwatch").info("stage=poll source=A")
    finally:
        for handler in list(root.handlers):
            if handler not in saved[0]:
                root.removeHandler(handler)
        root.setLevel(saved[1])
        logging.getLogger("apscheduler").setLevel(saved[2])
    text = buffer.getvalue()
    assert ("Running job" in text) is shown
    assert "was missed" in text and "stage=poll source=A" in text
