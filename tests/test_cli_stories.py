"""cli/stories.py: search, backtest and export over a real state folder and real rules files."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli import stories as cli
from config import load_rules
from core import duration
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage import queries
from storage.connect import read_only
from storage.db import open_state
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
RULES_V1 = """\
version: 1
entities:
  saddam_haftar:
    kind: person
    aliases: {en: [Saddam Haftar], ar: [صدام حفتر], fr: [Saddam Haftar]}
  ouagadougou:
    kind: place
    aliases: {en: [Ouagadougou], fr: [Ouagadougou], ar: [واغادوغو]}
  wagner:
    kind: organisation
    aliases: {en: [Wagner], fr: [Wagner], ar: [فاغنر]}
  mali:
    kind: place
    aliases: {en: [Mali], fr: [Mali], ar: [مالي]}
topics:
  haftar_sahel:
    title: {en: Haftar in the Sahel}
    alert: instant
    threshold: 2
    terms:
      - {entity: saddam_haftar, weight: 1}
      - {entity: ouagadougou, weight: 1}
"""
# v2: Haftar now needs Wagner, not Ouagadougou; a new Wagner-in-Mali topic
RULES_V2 = RULES_V1.replace("{entity: ouagadougou, weight: 1}", "{entity: wagner, weight: 1}")
RULES_V2 += """\
  wagner_mali:
    title: {en: Wagner in Mali}
    alert: digest
    threshold: 2
    terms:
      - {entity: wagner, weight: 1}
      - {entity: mali, weight: 1}
"""

NOW = datetime.now(UTC).replace(microsecond=0)
ITEMS = [
    Item("Al Jazeera Arabic", "https://aljazeera.net/1", "ar-1",
         "صدام حفتر في واغادوغو لتعزيز التعاون مع تحالف دول الساحل", lang="ar",
         published=NOW - timedelta(days=10)),
    Item("RFI", "https://rfi.fr/1", "fr-1", "Saddam Haftar reçu à Ouagadougou par Ibrahim Traoré",
         lang="fr", published=NOW - timedelta(hours=3)),
    Item("Le Monde", "https://lemonde.fr/1", "fr-2",
         "Au Mali, Wagner cède la place à Africa Corps", lang="fr",
         published=NOW - timedelta(hours=2)),
]  # fmt: skip


@pytest.fixture
def state(tmp_path: Path) -> Path:
    (tmp_path / "v1.yaml").write_text(RULES_V1, encoding="utf-8")
    (tmp_path / "v2.yaml").write_text(RULES_V2, encoding="utf-8")
    rules = load_rules(str(tmp_path / "v1.yaml"))
    matcher = Matcher.from_rules(rules)
    kinds = {e.id: e.kind for e in rules.entities.values()}
    clock = FixedClock(NOW - timedelta(days=10))
    store = Store(open_state(str(tmp_path / "state")), clock, rules.stories)
    for item in ITEMS:
        store.ingest(item, matcher.match_item(item), kinds)
        clock.advance(86400 * 5)
    store.close()
    return tmp_path


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bot.py")
    sub = parser.add_subparsers(dest="command")
    cli.register(sub)
    args = parser.parse_args(argv)
    code: int = args.handler(args)
    return code


def test_search_prints_hits_and_survives_fts_syntax(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    st = str(state / "state")
    assert run(["search", "--state", st, "Haftar"]) == 0
    out = capsys.readouterr().out
    assert "Saddam Haftar reçu à Ouagadougou" in out and "RFI [fr]" in out
    assert "aljazeera" not in out  # Latin "Haftar" is not Arabic حفتر
    assert run(["search", "--state", st, "حفتر"]) == 0
    assert "https://aljazeera.net/1" in capsys.readouterr().out
    assert run(["search", "--state", st, 'wagner" (']) == 0
    assert "Wagner cède la place" in capsys.readouterr().out
    assert run(["search", "--state", st, "nothing-like-this"]) == 0
    assert "no stored report matches" in capsys.readouterr().out


def test_search_has_the_bots_or_and_not(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command line searches as /search does (issue 14, point 7): OR, -word, phrases."""
    st = str(state / "state")
    assert run(["search", "--state", st, "Wagner OR Traoré"]) == 0
    out = capsys.readouterr().out
    assert "Wagner cède la place" in out and "Saddam Haftar reçu" in out
    assert run(["search", "--state", st, "Haftar -Traore"]) == 0
    assert "no stored report matches" in capsys.readouterr().out
    assert run(["search", "--state", st, '"cède la place" -Haftar']) == 0
    out = capsys.readouterr().out
    assert out.count("https://") == 1 and "lemonde.fr" in out


def test_backtest_reports_new_and_lost_matches(
    state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    st = str(state / "state")
    assert run(["backtest", "--state", st, "--rules", str(state / "v2.yaml")]) == 0
    out = capsys.readouterr().out
    assert "over 3 stored reports (all)" in out
    assert "haftar_sahel: 0 would newly match, 2 would stop matching" in out
    assert "wagner_mali: 1 would newly match, 0 would stop matching" in out
    assert "+ " in out and "Au Mali, Wagner cède la place à Africa Corps" in out
    # --since keeps only the last report (first seen 10 days after the first)
    assert run(["backtest", "--state", st, "--rules", str(state / "v2.yaml"), "--since", "1d"]) == 0
    out = capsys.readouterr().out
    assert "over 1 stored reports" in out and "haftar_sahel" not in out
    # the same rules change nothing
    assert run(["backtest", "--state", st, "--rules", str(state / "v1.yaml")]) == 0
    assert "no change" in capsys.readouterr().out
    # a broken rules file: errors on stderr, exit 1
    (state / "bad.yaml").write_text("version: 1\nentities: [\n", encoding="utf-8")
    assert run(["backtest", "--state", st, "--rules", str(state / "bad.yaml")]) == 1
    assert "bad.yaml" in capsys.readouterr().err


def test_export_jsonl_and_csv(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    st = str(state / "state")
    assert run(["export", "--state", st]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    keys = ["story_id", "title", "url", "topics", "entities", "languages", "sources",
            "first_seen", "items"]  # fmt: skip
    assert all(list(r) == keys for r in records)
    # the Arabic and French reports of the visit were published ten days apart, outside the
    # clustering window: two stories, oldest first
    assert [r["title"] for r in records][-1] == ITEMS[2].title
    first = records[0]
    assert first["topics"] == ["haftar_sahel"] and first["languages"] == ["ar"]
    assert list(first["items"][0]) == ["url", "title", "source", "lang", "published"]
    published = ITEMS[0].published
    assert published is not None and first["items"][0]["published"] == published.isoformat()

    out = state / "stories.csv"
    assert run(["export", "--state", st, "--format", "csv", "--since", "7d", "-o", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [r["title"] for r in rows] == [ITEMS[1].title, ITEMS[2].title]
    assert rows[1]["entities"] == "wagner; mali" and rows[1]["items"] == "1"
    assert run(["export", "--state", st, "--since", "yesterday-ish"]) == 1


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("90sec", 90), ("10m", 600), ("10min", 600), ("1.5h", 5400), ("2d", 172800),
     ("2w", 1209600)],
)  # fmt: skip
def test_since_and_rules_read_one_duration_grammar(text: str, seconds: int) -> None:
    now = datetime(2026, 8, 13, tzinfo=UTC)
    assert cli.parse_since(text, now) == now - timedelta(seconds=seconds)
    assert duration.parse(text) == (seconds, True)
    with pytest.raises(ValueError, match="neither an age"):
        cli.parse_since("600", now)  # the command line wants the unit


def test_read_commands_create_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "nowhere"
    assert run(["search", "--state", str(empty), "Haftar"]) == 1
    assert "no state database at" in capsys.readouterr().err
    assert not empty.exists()


def test_export_streams_the_stories_iter_stories_gives(state: Path) -> None:
    # one JOIN (storage.exports) gives what three queries a story gave (storage.queries)
    from storage import exports

    with read_only(str(state / "state")) as conn:
        assert list(exports.iter_export(conn)) == list(queries.iter_stories(conn))
        since = NOW - timedelta(days=7)
        assert list(exports.iter_export(conn, since)) == list(queries.iter_stories(conn, since))


def test_export_by_topic_and_matched_only(state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    st = str(state / "state")
    # a report on no topic of v1: its story has no topic
    clock = FixedClock(NOW)
    store = Store(open_state(st), clock)
    off = Item("RFI", "https://rfi.fr/2", "fr-3", "Au Mali, Wagner cède la place", lang="fr")
    store.ingest(off, Matcher.from_rules(load_rules(str(state / "v1.yaml"))).match_item(off), {})
    store.close()
    assert run(["export", "--state", st]) == 0
    everything = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert run(["export", "--state", st, "--matched-only"]) == 0
    matched = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(matched) < len(everything) and all(r["topics"] for r in matched)
    assert run(["export", "--state", st, "--topic", "haftar_sahel"]) == 0
    by_topic = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert by_topic and all("haftar_sahel" in r["topics"] for r in by_topic)
    assert run(["export", "--state", st, "--topic", "haftar_sahl"]) == 1
    assert "did you mean 'haftar_sahel'?" in capsys.readouterr().err


def test_command_modules_do_not_import_the_service() -> None:
    code = (
        "import sys, bot; bot.build_parser(); "
        "heavy = [m for m in ('telegram', 'httpx', 'apscheduler', 'runner.service', "
        "'sqlite_utils', 'numpy', 'yaml', 'ahocorasick') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == ""
