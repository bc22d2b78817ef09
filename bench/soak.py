"""Soak test: `bot.py run` for N minutes against local feed and Bot API servers, killed with
kill -9 at random moments and at chosen stages, then counted: no alert lost, none sent twice.

    .venv/bin/python bench/soak.py [--minutes 10] [--chats 5] [--seed 1]

Not part of `make test` (it runs for minutes). What it does:

- A feed server on 127.0.0.1 with 12 sources in ar/fr/en/ru, rewritten every few seconds with
  the reports of one or two new events (tests/fixtures/stories/events.json: eight kinds of
  event on instant topics, two outlets each), each event dated three hours after the last, so
  that with `stories: window: 1h` every event is a story of its own.
- The local Bot API server (tests/fakebotapi.py, Telegram's wire format and errors) with
  --chats private chats subscribed at the start.
- The service is killed with SIGKILL after a random 2-12 s, over and over; one restart in
  three is started with SAHELWATCH_CRASH_AT=stored or =queued (core/faults.py), so it dies
  right after a poll's reports are committed, or right after their alerts are queued.
- At the end the feeds stop changing, the service runs until the outbox is empty and nothing
  is owed, and stops with SIGTERM.

It prints: reports stored, stories on instant topics, alerts expected (stories x chats),
delivered, duplicated (one story sent twice to a chat), lost (a story on an instant topic that
a chat never got), kills (random and at each crash point) and the database's integrity.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import signal
import socketserver
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakebotapi import FakeBotAPI
from tests.feedserver import FeedServer
from tests.service_support import ServiceProcess, rules_text, source, wait_for

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "5550003:AAH-soak-T0KEN"
EVENTS = json.loads((ROOT / "tests/fixtures/stories/events.json").read_text(encoding="utf-8"))
LANGS = ("ar", "fr", "en", "ru")
PER_FEED = 20
HREF = re.compile(r'href="([^"]+)"')


class Feeds:
    """The sources' feeds: each event's two reports go to an outlet of their language."""

    def __init__(self, server: FeedServer, rng: random.Random) -> None:
        self.server = server
        self.rng = rng
        self.outlets = {lang: [f"{lang.upper()} Wire {i}" for i in range(3)] for lang in LANGS}
        self.items: dict[str, list[str]] = {o: [] for os in self.outlets.values() for o in os}
        self.start = datetime.now(UTC) - timedelta(days=60)
        self.events = 0
        for outlet in self.items:
            self._write(outlet)

    def sources(self) -> list[dict[str, object]]:
        return [
            source(outlet, self.server.url(self.path(outlet)), lang=lang)
            for lang, outlets in self.outlets.items()
            for outlet in outlets
        ]

    @staticmethod
    def path(outlet: str) -> str:
        return "/" + outlet.lower().replace(" ", "-") + ".xml"

    def add_event(self) -> None:
        """One more event: a kind from the fixture, dated three hours after the last."""
        kind = self.rng.choice(list(EVENTS["events"]))
        when = self.start + timedelta(hours=3 * self.events)
        number = self.events
        self.events += 1
        for report in EVENTS["events"][kind]:
            outlet = self.rng.choice(self.outlets[report["lang"]])
            url = f"https://{outlet.lower().replace(' ', '')}.example/{kind}/{number}"
            item = (
                f"<item><title>{escape(report['title'])} ({number})</title><link>{url}</link>"
                f"<guid isPermaLink='false'>{url}</guid>"
                f"<description>{escape(report['summary'])}</description>"
                f"<pubDate>{format_datetime(when)}</pubDate></item>"
            )
            self.items[outlet] = [item, *self.items[outlet]][:PER_FEED]
            self._write(outlet)

    def _write(self, outlet: str) -> None:
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>{escape(outlet)}</title><link>https://example.org/</link>"
            f"<description>soak</description>{''.join(self.items[outlet])}</channel></rss>"
        )
        self.server.add(self.path(outlet), body.encode())


def run(minutes: float, chats: int, seed: int) -> int:
    # a killed service drops its connections: the local servers need not print each one
    socketserver.BaseServer.handle_error = lambda *args: None  # type: ignore[method-assign]  # quiet test servers
    rng = random.Random(seed)
    tmp = Path(tempfile.mkdtemp(prefix="soak_"))
    kills: Counter[str] = Counter()
    with FeedServer() as server, FakeBotAPI(TOKEN) as api:
        feeds = Feeds(server, rng)
        rules = tmp / "rules.yaml"
        rules.write_text(
            rules_text(feeds.sources(), stories={"window": "1h", "surge": "off"}), encoding="utf-8"
        )
        env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api.url}
        runs = 0

        def start(crash: str = "") -> ServiceProcess:
            nonlocal runs
            runs += 1
            proc = ServiceProcess(tmp, rules, env={**env, "SAHELWATCH_CRASH_AT": crash})
            proc.out_path, proc.err_path = tmp / f"run{runs}.out", tmp / f"run{runs}.err"
            return proc.start()

        proc = start()
        proc.wait_ready()
        for chat in range(1, chats + 1):
            api.user_message(1000 + chat, "/start")
        proc.wait_for(
            lambda: all(api.messages_to(1000 + c) for c in range(1, chats + 1)), "welcomes"
        )
        end = time.monotonic() + minutes * 60
        next_event = time.monotonic()
        first = True
        while time.monotonic() < end:
            crash = "" if first else rng.choice(["", "", "stored", "queued"])
            if not first:
                proc = start(crash)
            first = False
            alive_until = time.monotonic() + rng.uniform(2, 12)
            died = False
            while time.monotonic() < min(alive_until, end):
                if time.monotonic() >= next_event:
                    for _ in range(rng.choice((1, 1, 2))):
                        feeds.add_event()
                    next_event = time.monotonic() + rng.uniform(2, 5)
                if proc.proc is not None and proc.proc.poll() is not None:
                    kills[f"at {crash or 'nothing (it exited)'}"] += 1
                    died = True
                    break
                time.sleep(0.1)
            if not died and proc.proc is not None and proc.proc.poll() is None:
                proc.signal(signal.SIGKILL)
                proc.wait_exit()
                kills["random"] += 1
        proc.kill()
        # the end: feeds stay as they are; one clean run delivers everything owed
        final = start()
        db = tmp / "state" / "sahelwatch.db"
        try:
            final.wait_ready()
            wait_for(lambda: _settled(db), "nothing owed, nothing pending", timeout=600)
            final.signal(signal.SIGTERM)
            final.wait_exit()
        finally:
            final.kill()
        figures = _count(db, api, chats)
    figures["kills"] = dict(kills)
    figures["runs"] = runs
    figures["events published"] = feeds.events
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    return 0 if figures["lost"] == 0 and figures["duplicated"] == 0 else 1


def _settled(db: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            owed = conn.execute("SELECT count(*) FROM fanout").fetchone()[0]
            pending = conn.execute(
                "SELECT count(*) FROM outbox WHERE state IN ('pending', 'sending')"
            ).fetchone()[0]
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        return bool(items) and owed == 0 and pending == 0
    except sqlite3.Error:
        return False


def _count(db: Path, api: FakeBotAPI, chats: int) -> dict[str, object]:
    conn = sqlite3.connect(db)
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        reports = conn.execute("SELECT count(*) FROM items").fetchone()[0]
        instant = {
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT s.id FROM stories s JOIN story_topics t ON t.story_id = s.id"
                " WHERE s.merged_into IS NULL AND t.topic IN"
                " ('russia_military_africa', 'haftar_russia_sahel')"
            )
        }
        story_of_url = {
            url: merged or sid
            for url, sid, merged in conn.execute(
                "SELECT i.url, si.story_id, s.merged_into FROM items i"
                " JOIN story_items si ON si.item_id = i.id JOIN stories s ON s.id = si.story_id"
            )
        }
    finally:
        conn.close()
    delivered = duplicated = lost = 0
    for chat in range(1000 + 1, 1000 + chats + 1):
        got: Counter[int] = Counter()
        for message in api.messages_to(chat):
            if not message.plain.startswith(("🔴", "⚡")):
                continue
            stories = {story_of_url[u] for u in HREF.findall(message.text) if u in story_of_url}
            for sid in stories:
                got[sid] += 1
        delivered += sum(1 for sid in instant if got[sid])
        duplicated += sum(n - 1 for sid, n in got.items() if n > 1)
        lost += sum(1 for sid in instant if not got[sid])
    return {
        "reports stored": reports,
        "stories on instant topics": len(instant),
        "alerts expected": len(instant) * chats,
        "delivered": delivered,
        "duplicated": duplicated,
        "lost": lost,
        "integrity": integrity,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--chats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    return run(args.minutes, args.chats, args.seed)


if __name__ == "__main__":
    sys.exit(main())
