"""`python bot.py story ID [--json]` and `python bot.py recluster [--dry-run]` through bot.main,
over a state folder filled by a real store with the real rules and matcher."""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import bot
from config import load_rules
from config.model import Rules, Stories
from core import gc_tuning
from core.clock import FixedClock
from core.items import Item
from matching.engine import Matcher
from storage.db import open_state
from storage.delivery_records import Part
from storage.delivery_store import DeliveryStore
from storage.records import IngestResult
from storage.store import Store

ROOT = Path(__file__).resolve().parent.parent
RULES = str(ROOT / "rules.yaml")
# Three days ago, so that `recluster`'s default --since 30d holds every report.
T0 = (datetime.now(UTC) - timedelta(days=3)).replace(second=0, microsecond=0)
HOUR = timedelta(hours=1)


def report(source: str, lang: str, at: timedelta, title: str, summary: str) -> Item:
    url = f"https://{source.lower().replace(' ', '-')}.example/{zlib.crc32(title.encode()):08x}"
    return Item(source, url, url, title, summary=summary, lang=lang, published=T0 + at)


COUP = [
    report(
        "Reuters", "en", 0 * HOUR,
        "Burkina Faso says it foiled coup attempt, officers arrested",
        "Burkina Faso's military government said on Monday it had foiled an attempted coup"
        " against Captain Ibrahim Traore planned for this week, and that several army officers"
        " had been arrested in Ouagadougou, the security minister said in a televised statement.",
    ),
    report(
        "AP", "en", 2 * HOUR,
        "Burkina junta thwarts plot to overthrow Traore, minister says",
        "Authorities in Burkina Faso have thwarted a plot by soldiers to overthrow the country's"
        " military leader Ibrahim Traore, the security minister announced on state television on"
        " Monday, accusing the plotters of acting from abroad.",
    ),
    report(
        "RFI Afrique", "fr", 3 * HOUR,
        "Burkina Faso: le gouvernement affirme avoir déjoué une tentative de coup d'État",
        "Le ministre de la Sécurité a annoncé lundi soir à la télévision nationale qu'une"
        " tentative de coup d'État visant le capitaine Ibrahim Traoré avait été déjouée à"
        " Ouagadougou. Plusieurs officiers ont été interpellés.",
    ),
    report(
        "Al Jazeera Arabic", "ar", 4 * HOUR,
        "بوركينا فاسو تعلن إحباط محاولة انقلاب ضد النقيب إبراهيم تراوري",
        "أعلنت حكومة بوركينا فاسو يوم الاثنين إحباط محاولة انقلابية كانت تستهدف رئيس المجلس"
        " العسكري النقيب إبراهيم تراوري، مشيرة إلى اعتقال عدد من الضباط في واغادوغو.",
    ),
]  # fmt: skip
# Yevkurov in Benghazi: an Arabic and a Russian report, two stories; the English one merges them.
VISIT = [
    report(
        "Al Arabiya", "ar", 5 * HOUR,
        "المشير خليفة حفتر يستقبل وفدا عسكريا روسيا في بنغازي",
        "استقبل القائد العام للجيش الوطني الليبي المشير خليفة حفتر في مقر القيادة العامة بمدينة"
        " بنغازي وفدا عسكريا روسيا رفيع المستوى لبحث التعاون العسكري.",
    ),
    report(
        "RIA Novosti", "ru", 6 * HOUR,
        "Евкуров прибыл с визитом в Ливию",
        "Российская военная делегация во главе с заместителем министра обороны Юнус-Беком"
        " Евкуровым прибыла в Ливию для переговоров о военном сотрудничестве.",
    ),
    report(
        "Libya Herald", "en", 7 * HOUR,
        "Russia's deputy defence minister Yevkurov meets Haftar in Benghazi",
        "Russian deputy defence minister Yunus-Bek Yevkurov met eastern Libyan commander Khalifa"
        " Haftar in Benghazi on Tuesday for talks on military cooperation, the Libyan National"
        " Army said.",
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def rules() -> Rules:
    return load_rules(RULES)


@pytest.fixture(autouse=True)
def quiet_process(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """bot.main tunes the garbage collector once per process and installs a log handler on
    the root logger: neither is left behind by these tests."""
    monkeypatch.setattr(gc_tuning, "_tuned", True)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def fill(folder: Path, rules: Rules, settings: Stories, items: list[Item]) -> list[IngestResult]:
    """Store `items`, each at its own time, under `settings`."""
    matcher, kinds = Matcher.from_rules(rules), rules.entity_kinds()
    clock = FixedClock(T0)
    store = Store(open_state(str(folder)), clock, settings, background_checkpoint=False)
    try:
        out = []
        for item in items:
            assert item.published is not None
            clock.set(item.published)
            out.append(store.ingest(item, matcher.match_item(item), kinds))
        return out
    finally:
        store.close()


def main(*argv: str) -> int:
    return bot.main(list(argv))


@pytest.fixture
def merged(tmp_path: Path, rules: Rules) -> tuple[Path, list[IngestResult]]:
    """A state folder, default settings: the coup in one story; the visit in another, into
    which the Russian report's story was merged when the English report came."""
    folder = tmp_path / "state"
    results = fill(folder, rules, rules.stories, COUP + VISIT)
    ar, ru, en = results[4:]
    assert {r.story_id for r in results[:4]} == {results[0].story_id}
    assert ru.story_is_new and en.story_id == ar.story_id != ru.story_id
    assert en.reason.endswith(f"merged stories {ru.story_id} into it")
    return folder, results


def test_story_prints_its_reports_in_the_order_they_joined_and_why(
    merged: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, results = merged
    ar, ru, en = results[4:]
    assert main("story", str(ar.story_id), "--state", str(folder)) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"story {ar.story_id}: {VISIT[0].title}"
    assert "was merged into" not in out
    assert "russia_military_africa" in lines[1] and lines[1].startswith("  topics: ")
    assert lines[2] == "  languages: ar, en, ru; outlets: Al Arabiya, Libya Herald, RIA Novosti"
    assert lines[3].startswith(f"  first seen {T0 + 5 * HOUR:%Y-%m-%d %H:%M}, last ")
    # each report: when, outlet, language, item; title; link; why
    blocks = out.split("\n\n")[1:]
    assert len(blocks) == 3
    moved = f"; in story {ar.story_id} since item {en.item_id}"  # the merged story's member
    for block, item, result in zip(blocks, VISIT, (ar, ru, en), strict=True):
        assert item.published is not None
        head, title, url, why = block.strip("\n").splitlines()
        assert head == (
            f"  {item.published:%Y-%m-%d %H:%M}  {item.source} [{item.lang}]  item {result.item_id}"
        )
        assert (title, url) == (f"    {item.title}", f"    {item.url}")
        assert why == f"    why: {result.reason}" + (moved if result is ru else "")
    assert blocks[0].rstrip().endswith("why: new story")
    assert f"why: same event as story {ar.story_id}: score " in blocks[2]
    assert ">= 4: anchors " in blocks[2] and "event visit" in blocks[2]
    assert blocks[2].rstrip().endswith(f"merged stories {ru.story_id} into it")
    # stored once, as a row of merges; the member's reason is the one it joined with
    when = VISIT[2].published
    assert when is not None
    db = open_state(str(folder))
    try:
        merges = db.conn.execute("SELECT story_id, into_id, by_item, ts FROM story_merges")
        assert merges.fetchall() == [(ru.story_id, ar.story_id, en.item_id, int(when.timestamp()))]
        stored = db.conn.execute("SELECT reason FROM story_items WHERE item_id = ?", (ru.item_id,))
        assert stored.fetchone() == (ru.reason,)
    finally:
        db.conn.close()


def test_a_merged_story_is_shown_as_the_story_it_was_merged_into(
    merged: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, results = merged
    ar, ru, _ = results[4:]
    assert main("story", str(ar.story_id), "--state", str(folder)) == 0
    whole = capsys.readouterr().out
    assert main("story", str(ru.story_id), "--state", str(folder)) == 0
    out = capsys.readouterr().out
    first, rest = out.split("\n", 1)
    assert first == f"story {ru.story_id} was merged into story {ar.story_id}"
    assert rest == whole


def test_story_json_is_one_object_with_every_member(
    merged: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, results = merged
    ar, ru, en = results[4:]
    assert main("story", str(ru.story_id), "--json", "--state", str(folder)) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line
    record = json.loads(out)
    assert record["story_id"] == ar.story_id and record["asked"] == ru.story_id
    assert record["title"] == VISIT[0].title
    assert record["languages"] == ["ar", "en", "ru"]
    assert record["sources"] == ["Al Arabiya", "Libya Herald", "RIA Novosti"]
    assert "russia_military_africa" in record["topics"]
    members = record["members"]
    assert [m["item_id"] for m in members] == [ar.item_id, ru.item_id, en.item_id]
    assert [m["source"] for m in members] == [i.source for i in VISIT]
    assert [m["lang"] for m in members] == ["ar", "ru", "en"]
    assert [m["url"] for m in members] == [i.url for i in VISIT]
    moved = f"; in story {ar.story_id} since item {en.item_id}"  # the merged story's member
    assert [m["why"] for m in members] == [ar.reason, ru.reason + moved, en.reason]
    assert members[0]["score"] is None and members[1]["score"] is None  # each started a story
    assert members[2]["score"] >= 4.0 and f"score {members[2]['score']:.1f} >= 4" in en.reason
    assert VISIT[0].published is not None
    assert members[0]["published"] == VISIT[0].published.isoformat()
    assert "حفتر" in out  # written as it is, not escaped


def test_an_unknown_story_exits_1(
    merged: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = merged
    assert main("story", "999", "--state", str(folder)) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and "no story 999" in captured.err
    assert main("story", "999", "--json", "--state", str(folder)) == 1
    assert capsys.readouterr().out == ""


def test_recluster_with_the_settings_stories_were_made_under_changes_nothing(
    merged: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, _ = merged
    assert main("recluster", "--state", str(folder), "--rules", RULES) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("reclustered 7 reports (since ")
    assert lines[1:] == ["stories: 2 before, 2 after", "reports that changed story: 0", "applied"]


@pytest.fixture
def split(tmp_path: Path, rules: Rules) -> tuple[Path, list[IngestResult]]:
    """A state folder whose reports were stored with event_score 1000: one story each."""
    folder = tmp_path / "state"
    results = fill(folder, rules, rules.stories._replace(event_score=1000.0), COUP)
    assert len({r.story_id for r in results}) == 4
    return folder, results


def story_ids(folder: Path) -> dict[int, int]:
    db = open_state(str(folder))
    try:
        return dict(db.conn.execute("SELECT item_id, story_id FROM story_items"))
    finally:
        db.conn.close()


def test_recluster_dry_run_prints_the_change_and_writes_nothing(
    split: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, results = split
    before = story_ids(folder)
    assert (
        main("recluster", "--dry-run", "--since", "7d", "--state", str(folder), "--rules", RULES)
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("reclustered 4 reports (since ")
    assert " reports/s" in lines[0]
    assert lines[1:] == [
        "stories: 4 before, 1 after",
        "reports that changed story: 4",
        "dry run: nothing written",
    ]
    assert story_ids(folder) == before
    assert main("story", str(results[1].story_id), "--state", str(folder)) == 0
    out = capsys.readouterr().out
    assert out.count("    why: ") == 1  # still alone in its story


def test_recluster_applies_the_change_and_story_shows_it(
    split: tuple[Path, list[IngestResult]], capsys: pytest.CaptureFixture[str]
) -> None:
    folder, results = split
    first, second = results[0].story_id, results[1].story_id
    # a chat was alerted to AP's story: after the recluster it points at the one story
    db = open_state(str(folder))
    try:
        DeliveryStore(db.conn).enqueue(
            5, None, "alert", [Part("AP", (second,))], now=T0, not_before=T0
        )
    finally:
        db.conn.close()
    assert main("recluster", "--state", str(folder), "--rules", RULES) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == ["stories: 4 before, 1 after", "reports that changed story: 4", "applied"]
    assert set(story_ids(folder).values()) == {first}

    assert main("story", str(first), "--state", str(folder)) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"story {first}: {COUP[0].title}\n")
    assert "languages: en, fr, ar; outlets: Reuters, AP, RFI Afrique, Al Jazeera Arabic" in out
    assert out.count("    why: same event as story ") == 3
    assert out.count("    why: new story") == 1

    # the story a chat had is now part of the one story; the others are gone
    assert main("story", str(second), "--json", "--state", str(folder)) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["story_id"], record["asked"]) == (first, second)
    assert len(record["members"]) == 4
    for gone in {r.story_id for r in results} - {first, second}:
        assert main("story", str(gone), "--state", str(folder)) == 1
        assert f"no story {gone}" in capsys.readouterr().err
