"""Appending sources to rules.yaml keeps every other byte, and never leaves a file that would not
load; OPML in and out, with files shaped as Feedly and Miniflux export them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from config import parse_rules
from config.edit import append_sources, scalar, source_line, write_rules
from config.model import Source
from core.errors import ParseError, RulesError
from watchers.opml import Outline, new_sources, read_opml, write_opml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = (ROOT / "rules.yaml").read_text(encoding="utf-8")
OPML = ROOT / "tests" / "fixtures" / "opml"
LINE = source_line(
    {"name": "ТАСС: Африка", "kind": "rss", "url": "https://tass.ru/rss/v2.xml", "lang": "ru",
     "every": "15m"}
)  # fmt: skip


@pytest.mark.parametrize(
    "value",
    ["Al Jazeera", "ТАСС: Африка", "yes", "10", "RT #1", "- x", "a, b", "[x]", "it's", "@sahel",
     "جريدة الوسط", "Lenta.ru : Новости", "  padded  "],
)  # fmt: skip
def test_scalars_read_back_as_written(value: str) -> None:
    assert yaml.safe_load("{k: " + scalar(value) + "}") == {"k": " ".join(value.split())}


def test_the_line_quotes_urls_and_what_yaml_would_misread() -> None:
    assert (
        LINE
        == "{name: 'ТАСС: Африка', kind: rss, url: 'https://tass.ru/rss/v2.xml', lang: ru, every: 15m}"
    )


def test_appending_to_the_default_rules_changes_one_line_only() -> None:
    after, rules = append_sources(DEFAULT, [LINE])
    before_lines, after_lines = DEFAULT.splitlines(), after.splitlines()
    at = next(i for i, line in enumerate(before_lines) if "name: Offline demo" in line) + 1
    assert after_lines[:at] == before_lines[:at]
    assert after_lines[at] == "  - " + LINE
    assert after_lines[at + 1 :] == before_lines[at:]
    assert rules.sources[-1].name == "ТАСС: Африка" and rules.sources[-1].lang == "ru"


def test_a_duplicate_name_is_refused_at_its_place() -> None:
    dup = source_line(
        {"name": "bbc arabic", "kind": "rss", "url": "https://x.example/f", "every": "1h"}
    )
    with pytest.raises(RulesError) as info:
        append_sources(DEFAULT, [dup], "rules.yaml")
    (issue,) = info.value.issues
    line = next(i for i, t in enumerate(DEFAULT.splitlines(), 1) if "name: Offline demo" in t) + 1
    assert (issue.line, issue.column) == (line, 12)
    assert issue.message.startswith("duplicate source name 'bbc arabic'")


def test_an_invalid_source_is_refused_with_every_problem_located() -> None:
    bad = source_line({"name": "X", "kind": "rss", "url": "ftp://x", "every": "soon"})
    with pytest.raises(RulesError) as info:
        append_sources(DEFAULT, [bad], "rules.yaml")
    line = next(i for i, t in enumerate(DEFAULT.splitlines(), 1) if "name: Offline demo" in t) + 1
    assert [str(i) for i in info.value.issues] == [
        f"rules.yaml:{line}:31: source 'X': 'ftp://x' is not an http(s) URL",
        f"rules.yaml:{line}:49: source 'X': every 'soon' is not a duration like 90s, 10m, 1h, 2d or 2w",
    ]


MINI = """\
# my rules
entities:
  mali: {kind: place, aliases: {en: [Mali]}}
topics:
  t: {title: {en: T}, threshold: 1, terms: [{entity: mali, weight: 1}]}
"""


@pytest.mark.parametrize(
    ("tail", "expected_tail"),
    [
        ("", "\nsources:\n  - {line}\n"),  # no sources: the list starts at the end
        ("sources:\n", "sources:\n  - {line}\n"),  # an empty key
        (
            "sources:\n    - name: A  # block style\n      kind: rss\n      url: https://a.example/f\n"
            "      every: 1h\n\n# after\nfetch: {timeout: 20s}\n",
            "sources:\n    - name: A  # block style\n      kind: rss\n      url: https://a.example/f\n"
            "      every: 1h\n    - {line}\n\n# after\nfetch: {timeout: 20s}\n",
        ),
    ],
)
def test_append_finds_or_starts_the_list(tail: str, expected_tail: str) -> None:
    after, rules = append_sources(MINI + tail, [LINE])
    assert after == MINI + expected_tail.replace("{line}", LINE)
    assert rules.sources[-1].url == "https://tass.ru/rss/v2.xml"


def test_a_flow_list_is_left_to_the_operator() -> None:
    with pytest.raises(RulesError) as info:
        append_sources(MINI + "sources: []\n", [LINE], "r.yaml")
    assert str(info.value.issues[0]).startswith("r.yaml:6:10: sources is not a list of one source")


def test_write_rules_replaces_the_file_and_refuses_a_concurrent_edit(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(MINI, encoding="utf-8")
    path.chmod(0o640)
    after, _ = append_sources(MINI, [LINE])
    write_rules(path, MINI, after)
    assert path.read_text(encoding="utf-8") == after and path.stat().st_mode & 0o777 == 0o640
    with pytest.raises(RulesError, match="changed while it was read"):
        write_rules(path, MINI, MINI)
    assert path.read_text(encoding="utf-8") == after
    assert [p.name for p in tmp_path.iterdir()] == ["rules.yaml"]  # no temporary file left


# ── OPML ────────────────────────────────────────────────────────────────────────────────────


def test_a_feedly_export_is_read_flat_with_its_folders() -> None:
    outlines = read_opml((OPML / "feedly_export.opml").read_bytes())
    assert [(o.category, o.title) for o in outlines] == [
        ("Libya", "Libya Herald"),
        ("Libya", "Libya Observer"),  # Feedly's trailing space trimmed
        ("Libya", "Google News - site:alwasat.ly"),
        ("Afrique", "RFI - Afrique"),
        ("Afrique", "AllAfrica News: Africa"),
        ("Afrique", "Euronews عربي"),
    ]
    assert outlines[2].xml_url.endswith("?q=site:alwasat.ly&hl=ar&gl=EG&ceid=EG:ar")


def test_a_miniflux_export_is_read() -> None:
    outlines = read_opml((OPML / "miniflux_export.opml").read_bytes())
    assert [(o.title, o.xml_url, o.category) for o in outlines][1] == (
        "ТАСС",
        "https://tass.ru/rss/v2.xml",
        "Russia",
    )
    assert len(outlines) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<rss version='2.0'><channel/></rss>", "not an OPML file (its root element is <rss>)"),
        (b"<opml version='2.0'><head/></opml>", "an OPML file without <body>"),
        (b"<opml><body><outline", "not a readable OPML file"),
    ],
)
def test_what_is_not_opml_is_said(data: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_opml(data)


def test_export_is_opml_2_and_reads_back() -> None:
    rules = parse_rules(DEFAULT)
    text = write_opml(rules.sources, "Sahel Watch sources", datetime(2026, 8, 13, tzinfo=UTC))
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert "<dateCreated>Thu, 13 Aug 2026 00:00:00 +0000</dateCreated>" in text
    back = read_opml(text.encode())
    # one folder per language, in the order the languages first appear
    readable = [s for s in rules.sources if s.kind in ("rss", "google_news")]
    folders = list(dict.fromkeys(s.lang or "other" for s in readable))
    expected = [s.name for f in folders for s in readable if (s.lang or "other") == f]
    assert [o.title for o in back] == expected
    by_name = {o.title: o for o in back}
    assert by_name["BBC Arabic"].lang == "ar" and by_name["BBC Arabic"].category == "ar"
    assert by_name["Google News Africa Corps (fr)"].xml_url.startswith(
        "https://news.google.com/rss/search?q="
    )
    assert "Offline demo" not in by_name and "GDELT Russia in Libya and the Sahel" not in by_name


def test_feedly_in_then_out_keeps_every_feed() -> None:
    outlines = read_opml((OPML / "feedly_export.opml").read_bytes())
    sources = [Source(name=o.title, kind="rss", every_s=60, url=o.xml_url) for o in outlines]
    again = read_opml(write_opml(sources, "x", datetime(2026, 1, 1, tzinfo=UTC)).encode())
    assert [(o.title, o.xml_url) for o in again] == [(o.title, o.xml_url) for o in outlines]


def test_import_skips_watched_feeds_and_renames_taken_names() -> None:
    rules = parse_rules(DEFAULT)
    outlines = [
        *read_opml((OPML / "feedly_export.opml").read_bytes()),
        Outline("Libya Herald", "https://mirror.example/libyaherald.xml", lang="en-GB"),
        Outline("BBC Arabic", "https://feeds.bbci.co.uk/arabic/rss.xml"),
    ]
    fields, notes = new_sources(outlines, rules.sources, "30m")
    assert [f["name"] for f in fields] == [
        "Google News - site:alwasat.ly",
        "AllAfrica News: Africa",
        "Euronews عربي",
        "Libya Herald (mirror.example)",
    ]
    assert fields[-1] == {
        "name": "Libya Herald (mirror.example)",
        "kind": "rss",
        "url": "https://mirror.example/libyaherald.xml",
        "lang": "en",
        "every": "30m",
    }
    assert len(notes) == 4 and notes[-1].startswith("skipped 'BBC Arabic': already watched")
