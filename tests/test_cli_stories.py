"""cli/stories.py: search, backtest and export over a real state folder and real rules files."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cli import stories as cli
from config import load_rules
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage.db import open_state
from storage.store import Store

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
