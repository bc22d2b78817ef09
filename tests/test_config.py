"""rules.yaml validation: every problem at once, each as FILE:LINE:COLUMN: message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import load_rules, parse_rules
from core.errors import RulesError

ROOT = Path(__file__).resolve().parent.parent

GOOD = """\
entities:
  wagner:
    kind: organisation
    aliases: {en: [Wagner]}
  mali:
    kind: place
    aliases: {en: [Mali]}
topics:
  t:
    title: {en: T}
    alert: instant
    threshold: 2
    terms:
      - {entity: wagner, weight: 1}
      - {entity: mali, weight: 1}
"""


def errors(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        parse_rules(text, "rules.yaml")
    return [str(i) for i in info.value.issues]


def test_good_rules_load() -> None:
    rules = parse_rules(GOOD, "rules.yaml")
    assert list(rules.entities) == ["wagner", "mali"]
    assert rules.topics["t"].alert == "instant"
    assert rules.topics["t"].threshold == 2


def test_unknown_entity_with_did_you_mean() -> None:
    text = GOOD.replace("{entity: mali,", "{entity: mail,")
    assert errors(text) == [
        "rules.yaml:15:18: topic 't': term: unknown entity 'mail' (did you mean 'mali'?)"
    ]


def test_unknown_key_with_did_you_mean() -> None:
    text = GOOD.replace("    alert: instant\n", "    alret: instant\n")
    (msg,) = errors(text)
    assert msg.startswith("rules.yaml:11:5: topic 't': unknown key 'alret' (did you mean 'alert'?)")


def test_duplicate_id() -> None:
    text = GOOD.replace("topics:", "  wagner:\n    kind: person\n    aliases: {en: [X]}\ntopics:")
    assert errors(text) == [
        "rules.yaml:8:3: entities: duplicate key 'wagner' (first defined on line 2)"
    ]


def test_empty_alias_list() -> None:
    text = GOOD.replace("aliases: {en: [Mali]}", "aliases: {en: []}")
    assert errors(text) == [
        "rules.yaml:7:19: entity 'mali': aliases.en is an empty list: give at least one "
        "spelling or remove it"
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "weight: 1}\n      - {entity: mali",
            "weight: -2}\n      - {entity: mali",
            "rules.yaml:14:34: topic 't': weight must be greater than 0, not -2",
        ),
        (
            "weight: 1}\n      - {entity: mali",
            "weight: heavy}\n      - {entity: mali",
            "rules.yaml:14:34: topic 't': weight must be a number, not 'heavy'",
        ),
        (
            "threshold: 2",
            "threshold: 0",
            "rules.yaml:12:16: topic 't': threshold must be greater than 0, not 0",
        ),
        (
            "threshold: 2",
            "threshold: 5",
            "rules.yaml:12:16: topic 't': threshold 5 can never be reached: the weights add up to 2",
        ),
        (
            "alert: instant",
            "alert: loud",
            "rules.yaml:11:12: topic 't': alert 'loud' is not one of instant, digest",
        ),
        (
            "aliases: {en: [Wagner]}",
            "aliases: {en: [Wag*ner]}",
            "rules.yaml:4:20: entity 'wagner': aliases.en: 'Wag*ner': '*' is only allowed at the "
            "very end of a term",
        ),
        (
            "aliases: {en: [Wagner]}",
            "aliases: {en: [Wa*]}",
            "rules.yaml:4:20: entity 'wagner': aliases.en: 'Wa*': a wildcard needs at least 3 "
            "letters before '*'",
        ),
    ],
)
def test_bad_values(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    assert errors(GOOD.replace(old, new)) == [expected]


def test_yaml_syntax_error_is_located() -> None:
    (msg,) = errors(GOOD.replace("aliases: {en: [Mali]}", "aliases: {en: [Mali}"))
    assert msg.startswith("rules.yaml:7:24: YAML syntax error:")


def test_every_problem_reported_at_once() -> None:
    text = (
        GOOD.replace("kind: place", "kind: city")
        .replace("{entity: wagner,", "{entity: wagnr,")
        .replace("threshold: 2", "threshold: -1")
    )
    found = errors(text)
    assert [m.split(": ", 1)[0] for m in found] == [
        "rules.yaml:6:11",
        "rules.yaml:12:16",
        "rules.yaml:14:18",
    ]


SOURCES = (
    GOOD
    + """\
sources:
  - {name: A, kind: rss, url: https://example.org/feed.xml, every: 10m, lang: ar}
  - {name: B, kind: atom, url: https://example.org/b, every: 10m}
  - {name: C, kind: rss, url: ftp//nowhere, every: 10m}
  - {name: D, kind: rss, url: https://example.org/d, every: soon}
  - {name: a, kind: gdelt, query: Wagner Mali, every: 15m}
  - {name: E, kind: telegram_channel, every: 5m}
"""
)


def test_sources_validated() -> None:
    assert errors(SOURCES) == [
        "rules.yaml:18:21: source 'B': kind 'atom' is not one of rss, gdelt, google_news, "
        "telegram_channel, file",
        "rules.yaml:19:31: source 'C': 'ftp//nowhere' is not an http(s) URL",
        "rules.yaml:20:61: source 'D': every 'soon' is not a duration like 90s, 10m, 1h, 2d or 2w",
        "rules.yaml:21:12: duplicate source name 'a' (first on line 17)",
        "rules.yaml:22:5: source 'E': a telegram_channel source needs 'channel:'",
    ]


def test_sources_parsed() -> None:
    text = SOURCES.split("  - {name: B")[0]
    (source,) = parse_rules(text, "rules.yaml").sources
    assert (source.name, source.kind, source.every_s, source.lang) == ("A", "rss", 600.0, "ar")


def test_missing_file() -> None:
    with pytest.raises(RulesError) as info:
        load_rules("/nonexistent/rules.yaml")
    assert str(info.value) == "/nonexistent/rules.yaml:1:1: file not found"


BROKEN = [
    "",
    "- just\n- a list\n",
    "entities: 3\ntopics: [1]\n",
    "entities:\n  x: {aliases: {en: [X]}}\ntopics:\n  t: {threshold: 1, terms: [{entity: x}]}\n",
    "\x00\x01binary",
    "entities: &a [*a]\n",
    "entities:\n  x: {aliases: {en: [X]}}\ntopics:\n  t: {threshold: 1, terms: [{entity: x, weight: 1}], near: {words: 0}}\n",
]


@pytest.mark.parametrize("text", BROKEN)
def test_broken_rules_never_crash(tmp_path: Path, text: str) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "check", "--rules", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines and all(line.startswith(f"{path}:") for line in lines), proc.stderr


def test_a_duplicate_key_inside_an_entity_is_reported_once() -> None:
    text = GOOD.replace(
        "    aliases: {en: [Mali]}\n",
        "    aliases: {en: [Mali]}\n    ambiguous: {en: [Mali]}\n    kind: place\n"
        "    corroborated_by: [wagner]\n",
    )
    assert errors(text) == [
        "rules.yaml:9:5: entity 'mali': duplicate key 'kind' (first defined on line 6)"
    ]


@pytest.mark.parametrize(
    ("value", "workers"), [("auto", None), ("AUTO", None), ("0", 0), ("1", 1), ("3", 3)]
)
def test_fetch_parse_workers_accepted(value: str, workers: int | None) -> None:
    rules = parse_rules(GOOD + f"fetch:\n  parse_workers: {value}\n", "rules.yaml")
    assert rules.fetch.parse_workers == workers


def test_fetch_parse_workers_defaults_to_auto() -> None:
    assert parse_rules(GOOD, "rules.yaml").fetch.parse_workers is None


@pytest.mark.parametrize(
    ("value", "column", "shown"),
    [("-1", 18, "-1"), ("two", 18, "two"), ("1.5", 18, "1.5"), ("33", 18, "33")],
)
def test_fetch_parse_workers_refused_with_its_place(value: str, column: int, shown: str) -> None:
    text = GOOD + f"fetch:\n  per_host: 2\n  parse_workers: {value}\n"
    assert errors(text) == [
        f"rules.yaml:18:{column}: fetch: parse_workers must be auto or a whole number from 0 "
        f"to 32, not '{shown}'"
    ]


def test_fetch_parse_workers_must_be_a_scalar() -> None:
    (msg,) = errors(GOOD + "fetch:\n  parse_workers: [1, 2]\n")
    assert msg == "rules.yaml:17:18: fetch: parse_workers must be a piece of text"


def warnings_of(text: str) -> list[str]:
    return [str(w) for w in parse_rules(text, "rules.yaml").warnings]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "aliases: {en: [Mali]}",
            "aliases: {en: [Mali], fe: [Mali]}",
            "rules.yaml:7:27: warning: entity 'mali': aliases: 'fe' is not a language the "
            "monitor knows (ar, fr, en, ru) (did you mean 'fr'?)",
        ),
        (
            "title: {en: T}",
            "title: {en: T, fe: T}",
            "rules.yaml:10:20: warning: topic 't': title: 'fe' is not a language the monitor "
            "knows (ar, fr, en, ru) (did you mean 'fr'?)",
        ),
        (
            "{entity: wagner, weight: 1}",
            "{entity: wagner, weight: '1'}",
            "rules.yaml:14:34: warning: topic 't': weight is written as text ('1'): it is read "
            "as the number 1; write it without quotes",
        ),
        (
            "aliases: {en: [Wagner]}",
            "aliases: {en: ['\\bWagner\\b']}",
            "rules.yaml:4:20: warning: entity 'wagner': '\\bWagner\\b' looks like a regular "
            "expression, but spellings are plain words (no pattern ever runs): it matches the "
            "words 'bwagner b'. Write each spelling out; a trailing * allows any ending",
        ),
        (
            "aliases: {en: [Mali]}",
            "aliases: {en: [Mali, Wagner]}",
            "rules.yaml:7:26: warning: entity 'mali': 'Wagner' is also a spelling of entity "
            "'wagner' (line 4): both are found wherever it occurs",
        ),
        (
            "aliases: {en: [Mali]}",
            "aliases: {en: [Mali]}\n    not_in: {en: [Office du Niger]}",
            "rules.yaml:8:19: warning: entity 'mali': not_in 'Office du Niger' contains none of "
            "its spellings, so it never blocks one (a not_in phrase is a spelling in its "
            "context, such as 'Richard Wagner' for Wagner)",
        ),
    ],
)
def test_check_warns_of_what_is_valid_but_likely_not_meant(
    old: str, new: str, expected: str
) -> None:
    assert old in GOOD
    assert warnings_of(GOOD.replace(old, new)) == [expected]


def test_a_good_file_has_no_warnings() -> None:
    assert warnings_of(GOOD) == []
    # a not_in phrase holding a spelling (with a proclitic, or by its wildcard) is fine
    text = GOOD.replace(
        "aliases: {en: [Wagner]}",
        "aliases: {en: [Wagner, Wagn*], ar: [فاغنر]}\n"
        "    not_in: {en: [Richard Wagner, Wagnerian opera], ar: [ريتشارد لفاغنر]}",
    )
    assert warnings_of(text) == []


def test_sources_warn_of_bare_numbers_fast_polls_and_missing_files(tmp_path: Path) -> None:
    there = tmp_path / "feed.xml"
    there.write_text("<rss/>", encoding="utf-8")
    text = GOOD + (
        "fetch: {min_every: 2m}\n"
        "sources:\n"
        f"  - {{name: A, kind: file, path: '{there}', every: 600}}\n"
        f"  - {{name: B, kind: file, path: '{tmp_path / 'gone.xml'}', every: 30s}}\n"
        "  - {name: C, kind: rss, url: 'https://example.org/f', every: 2w}\n"
    )
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rules(path)
    assert rules.sources[2].every_s == 14 * 86400  # the one duration grammar: weeks too
    found = [w.message for w in rules.warnings]
    assert found == [
        "source 'A': every: 600 has no unit: it is read as 600 seconds (10m); write 600s or 10m",
        f"source 'B': '{tmp_path / 'gone.xml'}' does not exist (a relative path is read from "
        "the folder the service runs in); it will fail until it does",
        "source 'B': every 30s is more often than fetch: min_every (2m); it is polled every "
        "30s all the same (min_every bounds only a feed's own hints): raise every or lower "
        "min_every",
    ]


def check(tmp_path: Path, text: str, *flags: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), "check", "--rules", str(path), *flags],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


def test_check_exits_0_with_warnings_unless_strict(tmp_path: Path) -> None:
    text = GOOD.replace("weight: 1}\n      - {entity: mali", "weight: '1'}\n      - {entity: mali")
    proc = check(tmp_path, text)
    assert proc.returncode == 0, proc.stderr
    assert "1 warnings" in proc.stdout
    assert proc.stderr.startswith(f"{tmp_path / 'rules.yaml'}:14:34: warning: ")
    assert check(tmp_path, text, "--strict").returncode == 1


def test_yaml_errors_in_plain_words_and_past_an_indentation_slip(tmp_path: Path) -> None:
    text = (
        GOOD.replace("    kind: place", "\tkind: place")
        .replace("    alert: instant", "     alert: instant")
        .replace("{entity: wagner,", "{entity: wagnr,")
    )
    proc = check(tmp_path, text)
    assert proc.returncode == 1
    lines = [line.split(": ", 1)[1] for line in proc.stderr.splitlines()]
    where = [line.split(": ", 1)[0].rsplit("/", 1)[1] for line in proc.stderr.splitlines()]
    assert where == ["rules.yaml:6:1", "rules.yaml:11:6", "rules.yaml:14:18"]
    assert lines[0] == (
        "YAML syntax error: a tab character: YAML indents with spaces only (replace it by spaces)"
    )
    assert lines[1].startswith("YAML syntax error: indentation slip: this line is indented 5")
    assert "line 10 is indented 4" in lines[1]
    # the schema's errors after the slips still show
    assert lines[2] == "topic 't': term: unknown entity 'wagnr' (did you mean 'wagner'?)"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "title: {en: T}",
            "title: {en: 'T}",
            "rules.yaml:10:17: YAML syntax error: this quote (') is never closed",
        ),
        (
            "    alert: instant",
            "    alert instant",
            "rules.yaml:11:5: YAML syntax error: this line has no ':'",
        ),
        (
            "kind: place",
            "kind: @place",
            "rules.yaml:6:11: YAML syntax error: '@' cannot begin a value in YAML",
        ),
        (
            "aliases: {en: [Mali]}",
            "aliases: {en: [*Mali]}",
            "rules.yaml:7:20: YAML syntax error: '*Mali' begins with '*'",
        ),
        (
            "      - {entity: mali",
            "      -{entity: mali",
            "rules.yaml:15:7: YAML syntax error: a list item needs '- '",
        ),
        (
            "    alert: instant",
            "    alert: instant: now",
            "rules.yaml:11:19: YAML syntax error: a second ': ' on this line",
        ),
    ],
)
def test_yaml_syntax_errors_say_what_in_plain_words(old: str, new: str, expected: str) -> None:
    assert old in GOOD
    found = errors(GOOD.replace(old, new))
    assert any(e.startswith(expected) for e in found), found
