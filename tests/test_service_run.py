"""End to end: `bot.py run`, the long-running service, as a real process over local servers.

Each test starts `bot.py run` in a subprocess (temporary state folder and rules file,
`--reload-every 0.2`, `--http` on a free port) against a feed server on 127.0.0.1 (and the fake
Bot API server for the token test), then watches what it does from outside: the requests the
feed server saw, /healthz and /metrics, stdout (the terminal delivery) and stderr (the log).
Every wait is a bounded poll on a condition; nothing asserts on elapsed time.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.fakebotapi import FakeBotAPI
from tests.feedserver import FeedServer
from tests.service_support import (
    SECRET,
    SEED_FEED,
    SEED_TITLE,
    TOKEN,
    ServiceProcess,
    replace_file,
    rss,
    rules_text,
    run_once,
    source,
    wait_for,
    write_rules,
)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        for name in ("a", "b", "c"):
            srv.add(f"/{name}.xml", rss(name, [f"Weather report {name}", f"Cooking show {name}"]))
        yield srv


def test_live_reload_good_edit_swaps_sources(tmp_path: Path, server: FeedServer) -> None:
    rules = write_rules(tmp_path, [source("A", server.url("/a.xml"))])
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        assert proc.wait_ready()["sources"] == 1
        proc.wait_for(lambda: server.hits("/a.xml") >= 1, "the first source fetched")

        replace_file(rules, rules_text([
            source("B", server.url("/b.xml")), source("C", server.url("/c.xml")),
        ]))  # fmt: skip
        proc.wait_for(lambda: server.hits("/b.xml") >= 2, "the new source fetched twice")
        proc.wait_for(lambda: server.hits("/c.xml") >= 1, "the other new source fetched")
        a_after_swap, b_after_swap = server.hits("/a.xml"), server.hits("/b.xml")
        proc.wait_for(lambda: server.hits("/b.xml") >= b_after_swap + 2, "more polls of B")
        assert server.hits("/a.xml") == a_after_swap  # the removed source is polled no more
        status, body = proc.healthz()
        assert status == 200 and body["sources"] == 2, body
    finally:
        proc.kill()


def test_live_reload_broken_edit_is_refused_and_old_rules_keep_running(
    tmp_path: Path, server: FeedServer
) -> None:
    rules = write_rules(tmp_path, [source("A", server.url("/a.xml"))])
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        proc.wait_ready()
        proc.wait_for(lambda: server.hits("/a.xml") >= 1, "the source fetched")

        data = yaml.safe_load(rules.read_text(encoding="utf-8"))
        topic = next(iter(data["topics"]))
        data["topics"][topic]["terms"].append({"entity": "no_such_entity", "weight": 1})
        replace_file(rules, yaml.safe_dump(data, allow_unicode=True, sort_keys=False))

        where = re.escape(str(rules)) + r":\d+:\d+: "
        error = where + r"topic '\w+': term: unknown entity 'no_such_entity'"
        proc.wait_for(lambda: re.search(error, proc.stderr()), "the error in the log")
        proc.wait_for(lambda: "rules.yaml edit refused" in proc.stdout(), "the admin notice")
        notice = proc.stdout().split("rules.yaml edit refused", 1)[1]
        assert re.search(error, notice), notice  # the notice carries FILE:LINE:COLUMN: message

        polled = server.hits("/a.xml")
        proc.wait_for(lambda: server.hits("/a.xml") >= polled + 2, "the old source polled on")
        status, body = proc.healthz()
        assert status == 200 and body["sources"] == 1, body

        # a good edit after the broken one lands
        replace_file(rules, rules_text([source("B", server.url("/b.xml"))]))
        proc.wait_for(lambda: server.hits("/b.xml") >= 1, "the fixed rules applied")
        assert proc.healthz()[0] == 200
    finally:
        proc.kill()
    assert proc.stdout().count("rules.yaml edit refused") == 1  # each broken content told once


@pytest.mark.parametrize("log_json", [True, False], ids=["json", "text"])
def test_token_run_delivers_and_never_logs_the_token(
    tmp_path: Path, server: FeedServer, log_json: bool
) -> None:
    server.add("/seed.xml", rss("seed", ["Weather report seed"]))  # the seed story comes later
    rules = write_rules(tmp_path, [source("Seed", server.url("/seed.xml"), lang="ar")])
    with FakeBotAPI(TOKEN) as api:
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
        extra = ["--log-level", "DEBUG", *(["--log-json"] if log_json else [])]
        proc = ServiceProcess(tmp_path, rules, env=env).start(*extra)
        try:
            proc.wait_ready()
            api.user_message(42, "/start")
            proc.wait_for(lambda: api.messages_to(42), "the welcome message")
            server.add_file("/seed.xml", SEED_FEED)
            proc.wait_for(
                lambda: any(SEED_TITLE in m.plain for m in api.messages_to(42)), "the alert"
            )
            served = proc.metrics() + str(proc.healthz()[1])
            proc.signal(signal.SIGTERM)
            assert proc.wait_exit() == 0, proc.stderr()[-3000:]
        finally:
            proc.kill()
    out, err = proc.stdout(), proc.stderr()
    assert "sahelwatch_polls_total" in served and SECRET not in served
    assert "getUpdates" in err and "sendMessage" in err  # DEBUG really logged the Bot API calls
    assert "/bot<token>" in err  # a line that carried the token was logged, redacted
    if log_json:
        assert err.lstrip().startswith("{")
    for text in (out, err):
        assert SECRET not in text  # neither the token nor its secret half
    assert SEED_TITLE not in out  # delivered to Telegram, not to the terminal


def db_path(proc: ServiceProcess) -> Path:
    return proc.state / "sahelwatch.db"


def test_sigterm_mid_cycle_leaves_a_consistent_state(tmp_path: Path, server: FeedServer) -> None:
    server.add_file("/seed.xml", SEED_FEED)
    server.add("/slow.xml", rss("slow", ["Slow report"]), delay_s=120)  # ends with the server
    rules = write_rules(tmp_path, [
        source("Seed", server.url("/seed.xml"), lang="ar"), source("A", server.url("/a.xml")),
        source("B", server.url("/b.xml")), source("Slow", server.url("/slow.xml")),
    ])  # fmt: skip
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        proc.wait_ready()
        proc.wait_for(lambda: SEED_TITLE in proc.stdout(), "the seed story delivered")
        proc.wait_for(lambda: server.hits("/slow.xml") >= 1, "the slow source in flight")
        proc.wait_for(lambda: server.hits("/a.xml") >= 2 and server.hits("/b.xml") >= 2, "polls")
        proc.signal(signal.SIGTERM)
        assert proc.wait_exit() == 0, proc.stderr()[-3000:]
    finally:
        proc.kill()
    assert proc.stdout().count(SEED_TITLE) == 1

    with sqlite3.connect(db_path(proc)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        states = dict(conn.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall())
        items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    conn.close()
    assert "sending" not in states and states.get("sent", 0) >= 1, states
    assert items == 5  # the seed item and two from each of A and B; Slow never answered

    server.add("/slow.xml", rss("slow", ["Slow report"]))  # answers at once now
    again = run_once(tmp_path, rules, proc.state)
    assert again.returncode == 0, again.stderr
    assert "Slow: ok; 1 items, 1 new" in again.stderr, again.stderr
    assert SEED_TITLE not in again.stdout  # delivered before the signal: never again


def test_graceful_stop_mid_poll_logs_no_error(tmp_path: Path, server: FeedServer) -> None:
    server.add("/slow.xml", rss("slow", ["Slow report"]), delay_s=120)
    rules = write_rules(tmp_path, [source("Slow", server.url("/slow.xml"))])
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        proc.wait_ready()
        proc.wait_for(lambda: server.hits("/slow.xml") >= 1, "the slow source in flight")
        proc.signal(signal.SIGTERM)
        assert proc.wait_exit() == 0
    finally:
        proc.kill()
    err = proc.stderr()
    assert 'ERROR Job "watch Slow' not in err and "CancelledError" not in err, proc.errors()


def test_prune_job_runs_at_start_without_error(tmp_path: Path, server: FeedServer) -> None:
    rules = write_rules(tmp_path, [source("A", server.url("/a.xml"))])
    proc = ServiceProcess(tmp_path, rules).start("--log-level", "INFO")
    try:
        proc.wait_ready()
        proc.wait_for(
            lambda: "stage=prune" in (err := proc.stderr()) or "raised an exception" in err,
            "the prune job's outcome",
        )
    finally:
        proc.kill()
    err = proc.stderr()
    assert "raised an exception" not in err and "Traceback" not in err, proc.errors()
    assert "stage=prune source=storage removed=0" in err


def test_live_edit_of_fetch_settings_applies(tmp_path: Path, server: FeedServer) -> None:
    rules = write_rules(tmp_path, [source("A", server.url("/a.xml"))])
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        proc.wait_ready()
        proc.wait_for(lambda: server.hits("/a.xml") >= 1, "the first source fetched")
        edited = yaml.safe_load(rules_text([source("B", server.url("/b.xml"))]))
        edited["fetch"]["user_agent"] = "SahelWatch-edited/2.0"
        replace_file(rules, yaml.safe_dump(edited, allow_unicode=True, sort_keys=False))
        proc.wait_for(lambda: server.hits("/b.xml") >= 1, "the edit applied")
    finally:
        proc.kill()
    agents = {r.headers.get("user-agent") for r in server.requests if r.path == "/b.xml"}
    assert agents == {"SahelWatch-edited/2.0"}


def test_second_signal_exits_at_once(tmp_path: Path, server: FeedServer) -> None:
    """Two SIGTERMs sent back to back coalesce in the kernel (standard signals don't queue), and
    a graceful stop takes milliseconds, so the process is stopped (SIGSTOP) while SIGTERM and
    then SIGINT (the handler treats both alike) are queued: on SIGCONT it sees two signals."""
    server.add("/stall.xml", rss("stall", ["x"]), fault="stall_after_headers")
    rules = write_rules(tmp_path, [source("Stall", server.url("/stall.xml"))])
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        proc.wait_ready()
        proc.wait_for(lambda: server.hits("/stall.xml") >= 1, "the stalled source in flight")
        assert proc.proc is not None
        pid = proc.proc.pid
        os.kill(pid, signal.SIGSTOP)
        stat = Path(f"/proc/{pid}/stat")
        wait_for(lambda: stat.read_text().rsplit(")", 1)[1].split()[0] == "T", "stopped")
        os.kill(pid, signal.SIGTERM)
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGCONT)
        assert proc.wait_exit() == 130, proc.stderr()[-3000:]
    finally:
        proc.kill()


def test_metrics_after_a_cycle(tmp_path: Path, server: FeedServer) -> None:
    rules = write_rules(tmp_path, [
        source("A", server.url("/a.xml")), source("B", server.url("/b.xml")),
    ])  # fmt: skip
    proc = ServiceProcess(tmp_path, rules).start()
    try:
        proc.wait_ready()
        text = proc.wait_for(
            lambda: (
                (m := proc.metrics())
                and all(f'sahelwatch_items_total{{source="{s}"}}' in m for s in "AB")
                and m
            ),
            "items counted for both sources",
        )
    finally:
        proc.kill()
    for name in "AB":
        assert re.search(
            rf'^sahelwatch_polls_total\{{ok="true",source="{name}"\}} [1-9]', text, re.M
        )
        assert f'sahelwatch_items_total{{source="{name}"}} 2.0' in text
    assert "# TYPE sahelwatch_items_total counter" in text
