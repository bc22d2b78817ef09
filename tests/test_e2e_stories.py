"""One event, one alert: `bot.py run` against local feed and Bot API servers (issue 12), and no
alert lost to a crash between storing and queueing (issue 13, finding 1).

The reports are tests/fixtures/stories/events.json: eight distinct events, two outlets each in
two languages, all on instant topics; a late wire copy of one; a third outlet of one; three
outlets of a digest-only story. Each outlet is a source of its own, as in rules.yaml. Every
wait is a bounded poll on a condition.
"""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from tests.fakebotapi import FakeBotAPI, Sent
from tests.feedserver import FeedServer
from tests.service_support import ROOT, ServiceProcess, rules_text, source

TOKEN = "5550002:AAH-stories_e2e-T0KEN"
FIXTURE = json.loads((ROOT / "tests/fixtures/stories/events.json").read_text(encoding="utf-8"))
EVENTS: dict[str, list[dict[str, str]]] = FIXTURE["events"]
LATE: dict[str, str] = FIXTURE["late_wire_copy"]
ANOTHER: dict[str, str] = FIXTURE["another_outlet"]
SURGE: list[dict[str, str]] = FIXTURE["surge"]
ALERT_MARKS = ("🔴", "⚡")


def slug(outlet: str) -> str:
    return "".join(c for c in outlet.lower() if c.isalnum())


def feed(outlet: str, reports: list[dict[str, str]]) -> bytes:
    """An RSS feed of `outlet` carrying `reports`, published now."""
    now = format_datetime(datetime.now(UTC))
    items = "".join(
        f"<item><title>{escape(r['title'])}</title>"
        f"<link>https://{slug(outlet)}.example/{slug(r['title'])[:40]}</link>"
        f"<guid isPermaLink='false'>{slug(outlet)}-{slug(r['title'])[:40]}</guid>"
        f"<description>{escape(r['summary'])}</description><pubDate>{now}</pubDate></item>"
        for r in reports
    )
    return (
        "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
        f"<title>{escape(outlet)}</title><link>https://{slug(outlet)}.example/</link>"
        f"<description>news</description>{items}</channel></rss>"
    ).encode()


def all_reports() -> list[dict[str, str]]:
    return [r for reports in EVENTS.values() for r in reports] + [LATE, ANOTHER, *SURGE]


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        for r in all_reports():
            srv.add(f"/{slug(r['outlet'])}.xml", feed(r["outlet"], []))
        yield srv


def publish(server: FeedServer, *reports: dict[str, str]) -> None:
    """Each outlet's feed now carries its reports among `reports`."""
    by_outlet: dict[str, list[dict[str, str]]] = {}
    for r in reports:
        by_outlet.setdefault(r["outlet"], []).append(r)
    for outlet, items in by_outlet.items():
        server.add(f"/{slug(outlet)}.xml", feed(outlet, items))


def write_rules(tmp: Path, server: FeedServer, **overrides: Any) -> Path:
    outlets = {r["outlet"]: r["lang"] for r in all_reports()}
    sources = [
        source(outlet, server.url(f"/{slug(outlet)}.xml"), lang=lang)
        for outlet, lang in outlets.items()
    ]
    path = tmp / "rules.yaml"
    path.write_text(rules_text(sources, **overrides), encoding="utf-8")
    return path


def alerts(api: FakeBotAPI, chat: int) -> list[Sent]:
    return [m for m in api.messages_to(chat) if m.plain.startswith(ALERT_MARKS)]


def current(api: FakeBotAPI, message: Sent) -> str:
    text: str = api.current_text(message.chat_id, message.message_id)["text"]
    return text


def subscribe(proc: ServiceProcess, api: FakeBotAPI, *chats: int) -> None:
    for chat in chats:
        api.user_message(chat, "/start")
    proc.wait_for(lambda: all(api.messages_to(c) for c in chats), "the welcome messages")


def start(
    tmp: Path, rules: Path, api: FakeBotAPI, ready: bool = True, **env: str
) -> ServiceProcess:
    proc = ServiceProcess(
        tmp, rules, env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url, **env}
    ).start()
    if ready:
        proc.wait_ready()
    return proc


def test_eight_events_give_eight_alerts_and_a_late_copy_alerts_nobody(
    tmp_path: Path, server: FeedServer
) -> None:
    """Each event reaches each chat once: alone, or folded into a list when a burst of alerts
    waits for the chat (issue 16, point 7); an alert sent alone is edited as outlets join."""
    rules = write_rules(tmp_path, server)
    with FakeBotAPI(TOKEN) as api:
        proc = start(tmp_path, rules, api)
        try:
            subscribe(proc, api, 42, 43)
            api.user_message(43, "/lang fr")
            proc.wait_for(lambda: len(api.messages_to(43)) >= 2, "the language confirmed")
            publish(server, *EVENTS["cargo"], *EVENTS["saddam"])  # two alerts: none folded
            saddam_fr = EVENTS["saddam"][1]["title"]
            # the French reader sees the French headline of a story first reported in Arabic
            # (in the alert as sent, or as edited when the French report joined)
            proc.wait_for(
                lambda: any(saddam_fr in current(api, m) for m in alerts(api, 43)),
                "the French headline in chat 43",
            )
            publish(server, *(r for reports in EVENTS.values() for r in reports))

            def seen(chat: int) -> dict[str, int]:
                got = alerts(api, chat)
                return {
                    name: sum(any(r["title"] in m.plain for r in reports) for m in got)
                    for name, reports in EVENTS.items()
                }

            for chat in (42, 43):
                proc.wait_for(lambda c=chat: all(seen(c).values()), f"8 events in {chat}")  # type: ignore[misc]  # a default binds the loop's chat
            for chat in (42, 43):  # every event alerted once, and nothing else
                assert seen(chat) == dict.fromkeys(EVENTS, 1), (chat, seen(chat))
            cargo_alert = next(m for m in alerts(api, 42) if "cargo" in m.plain or "شحن" in m.plain)
            sent = (len(alerts(api, 42)), len(alerts(api, 43)))

            publish(server, *EVENTS["cargo"], LATE)
            proc.wait_for(
                lambda: "Anadolu English" in current(api, cargo_alert), "the cargo alert edited"
            )
            assert (len(alerts(api, 42)), len(alerts(api, 43))) == sent  # no new alert
            assert "also:" in current(api, cargo_alert)
            proc.signal(signal.SIGTERM)
            assert proc.wait_exit() == 0, proc.stderr()[-3000:]
        finally:
            proc.kill()


def test_another_event_in_the_same_place_is_alerted_after_the_first(
    tmp_path: Path, server: FeedServer
) -> None:
    """Cargo planes at al-Khadim first (Arabic and English), then a Russian warship at Tobruk
    (French): two events, two alerts; the warship does not vanish into the cargo story."""
    rules = write_rules(tmp_path, server)
    with FakeBotAPI(TOKEN) as api:
        proc = start(tmp_path, rules, api)
        try:
            subscribe(proc, api, 42)
            publish(server, *EVENTS["cargo"])
            proc.wait_for(lambda: len(alerts(api, 42)) >= 1, "the cargo alert")
            publish(server, EVENTS["tobruk"][0])
            proc.wait_for(lambda: len(alerts(api, 42)) >= 2, "the warship alert")
            tobruk = EVENTS["tobruk"][0]["title"]
            assert tobruk in alerts(api, 42)[1].plain
            assert tobruk not in current(api, alerts(api, 42)[0])
        finally:
            proc.kill()


def test_a_digest_story_many_outlets_carry_is_pushed_as_a_surge(
    tmp_path: Path, server: FeedServer
) -> None:
    rules = write_rules(
        tmp_path,
        server,
        stories={"window": "48h", "surge": {"outlets": 3, "languages": 2, "within": "6h"}},
    )
    with FakeBotAPI(TOKEN) as api:
        proc = start(tmp_path, rules, api)
        try:
            subscribe(proc, api, 42)
            publish(server, SURGE[0])
            publish(server, SURGE[1])
            proc.wait_for(lambda: server.hits(f"/{slug(SURGE[1]['outlet'])}.xml") >= 3, "polls")
            assert alerts(api, 42) == []  # a digest-only story of two outlets waits
            publish(server, SURGE[2])
            proc.wait_for(lambda: alerts(api, 42), "the surge alert")
            [surge] = alerts(api, 42)
            assert surge.plain.startswith("⚡") and "Widely reported" in surge.plain
        finally:
            proc.kill()


@pytest.mark.parametrize("point", ["stored", "queued"])
def test_a_crash_between_storing_and_queueing_loses_and_repeats_no_alert(
    tmp_path: Path, server: FeedServer, point: str
) -> None:
    """kill -9 once a poll's reports are committed ('stored') or once their alerts are queued
    but not yet settled ('queued'): after the restart the alert is sent, once."""
    rules = write_rules(tmp_path, server)
    with FakeBotAPI(TOKEN) as api:
        proc = start(tmp_path, rules, api)
        try:
            subscribe(proc, api, 42)
            proc.signal(signal.SIGTERM)
            assert proc.wait_exit() == 0
            publish(server, *EVENTS["ambush"])
            crashing = start(tmp_path, rules, api, ready=False, SAHELWATCH_CRASH_AT=point)
            assert crashing.wait_exit() == -signal.SIGKILL
            assert alerts(api, 42) == []
            again = start(tmp_path, rules, api)
            try:
                again.wait_for(lambda: alerts(api, 42), "the alert after the restart")
                again.wait_for(
                    lambda: server.hits(f"/{slug(EVENTS['ambush'][1]['outlet'])}.xml") >= 4,
                    "more polls",
                )
                assert len(alerts(api, 42)) == 1
            finally:
                again.kill()
        finally:
            proc.kill()
