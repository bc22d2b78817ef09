"""`bot.py run` when Telegram says no (issue 13, finding 6), as a real process over local servers:
a rejected token is a clear error in the log's own format that never shows the token; a Bot API
that cannot be reached at start leaves the service watching and storing, says so in /healthz and
the log, and delivers what waited once the Bot API answers. Every wait is a bounded poll on a
condition; nothing asserts on elapsed time."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from tests.fakebotapi import FakeBotAPI
from tests.feedserver import FeedServer
from tests.service_support import (
    SECRET,
    SEED_FEED,
    TOKEN,
    ServiceProcess,
    free_port,
    replace_file,
    run_bot,
    source,
    write_rules,
)

WRONG = "5550001:AAH-wrong_secret-N0PE-1x2y"  # the server knows only TOKEN: 401 Unauthorized
WRONG_SECRET = WRONG.split(":", 1)[1]


def seed_rules(tmp: Path, feeds: FeedServer) -> Path:
    """Rules polling the seed article, which matches an instant topic."""
    feeds.add_file("/seed.xml", SEED_FEED)
    return write_rules(tmp, [source("Seed", feeds.url("/seed.xml"), lang="ar")])


@pytest.mark.parametrize("log_json", [True, False], ids=["json", "text"])
def test_a_rejected_token_is_a_clear_error_that_never_shows_it(
    tmp_path: Path, feeds: FeedServer, log_json: bool
) -> None:
    rules = write_rules(tmp_path, [source("A", feeds.url("/a.xml"))])
    with FakeBotAPI(TOKEN) as api:
        env = {"TELEGRAM_BOT_TOKEN": WRONG, "TELEGRAM_API_URL": api.url}
        proc = ServiceProcess(tmp_path, rules, env=env)
        proc.start("--log-level", "DEBUG", *(["--log-json"] if log_json else []))
        try:
            code = proc.wait_exit()
        finally:
            proc.kill()
        once = run_bot(
            tmp_path / "state", "once", "--rules", str(rules),
            *(["--log-json"] if log_json else []), env=env,
        )  # fmt: skip
    for exit_code, err in ((code, proc.stderr()), (once.returncode, once.stderr)):
        assert exit_code == 1, err
        assert WRONG_SECRET not in err and "Traceback" not in err, err
        assert "rejected" in err and "TELEGRAM_BOT_TOKEN" in err, err
        if log_json:
            for line in err.splitlines():
                if line.strip():
                    json.loads(line)  # every line is the log's JSON, the error included


def test_an_unreachable_bot_api_at_start_keeps_watching_and_retries(
    tmp_path: Path, feeds: FeedServer
) -> None:
    rules = seed_rules(tmp_path, feeds)
    port = free_port()  # nothing listens there yet
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
        "SAHELWATCH_ADMINS": "42",
    }
    proc = ServiceProcess(tmp_path, rules, env=env).start("--log-level", "INFO")
    try:
        health = proc.wait_ready()
        assert health["telegram"] == "unreachable", health
        assert "unreachable" in health["telegram_error"], health
        proc.wait_for(lambda: "state=unreachable" in proc.stderr(), "the log saying so")
        proc.wait_for(lambda: _stored(proc) >= 1, "the seed report stored")

        data = yaml.safe_load(rules.read_text(encoding="utf-8"))
        data["topics"][next(iter(data["topics"]))]["terms"].append({"entity": "nope", "weight": 1})
        replace_file(rules, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
        proc.wait_for(lambda: proc.healthz()[1].get("pending_outbox", 0) >= 1, "notice queued")

        with FakeBotAPI(TOKEN, port=port) as api:  # the Bot API comes back
            proc.wait_for(lambda: proc.healthz()[1].get("telegram") == "connected", "connected")
            proc.wait_for(
                lambda: any("edit refused" in m.plain for m in api.messages_to(42)),
                "the notice queued while Telegram was away",
            )
            api.user_message(7, "/start")
            proc.wait_for(lambda: api.messages_to(7), "an answer to /start")
    finally:
        proc.kill()
    err = proc.stderr()
    assert "Traceback" not in err and SECRET not in err, err[-3000:]
    assert "state=connected" in err


def _stored(proc: ServiceProcess) -> int:
    """Reports in the running service's database, read beside it as `sources` would."""
    try:
        with sqlite3.connect(proc.state / "sahelwatch.db", timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_once_with_an_unreachable_bot_api_still_polls_and_stores(
    tmp_path: Path, feeds: FeedServer
) -> None:
    rules = seed_rules(tmp_path, feeds)
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": f"http://127.0.0.1:{free_port()}"}
    once = run_bot(tmp_path / "state", "once", "--rules", str(rules), env=env)
    assert once.returncode == 0, once.stderr
    assert "Seed: ok; 1 items, 1 new, 1 on topic" in once.stderr, once.stderr
    assert "state=unreachable" in once.stderr and "Traceback" not in once.stderr
    assert SECRET not in once.stderr
