"""`bot.py sources add|try|import|export` end to end, against a real local server: a site's feed
found and tried, appended to a copy of the default rules with every comment kept, refusals that
leave the file untouched, and OPML in from another reader and out again."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import load_rules
from tests.feedserver import FeedServer
from tests.service_support import run_bot
from watchers.opml import read_opml

ROOT = Path(__file__).resolve().parent.parent
SEED = (ROOT / "seeds" / "feeds" / "ar_seed-article.xml").read_bytes()
HOME = (
    b"<!DOCTYPE html><html><head><title>Al Wasat</title>"
    b'<link rel="alternate" type="application/rss+xml" href="/news/rss.xml"></head>'
    b"<body>news</body></html>"
)
DEAD = HOME.replace(b"/news/rss.xml", b"/gone.xml")


def run(*args: str, state: Path) -> subprocess.CompletedProcess[str]:
    return run_bot(state, *args)


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer() as srv:
        srv.add("/", HOME, content_type="text/html; charset=utf-8")
        srv.add("/news/rss.xml", SEED)
        srv.add("/dead/", DEAD, content_type="text/html")
        yield srv


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    shutil.copy(ROOT / "rules.yaml", path)
    return path


def test_try_shows_the_feed_and_writes_nothing(server: FeedServer, rules: Path) -> None:
    before = rules.read_bytes()
    proc = run("sources", "try", server.url("/"), "--rules", str(rules), state=rules.parent)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"feed: {server.url('/news/rss.xml')} (<link rel=alternate> on the page)" in out
    assert "items read: 1" in out and "language: declared ar, detected ar" in out
    assert "on topic now: 1 of 1 items (haftar_russia_sahel 1, russia_military_africa 1," in out
    feed = server.url("/news/rss.xml")
    assert (
        f"as a source: - {{name: Seed article (demo feed), kind: rss, url: '{feed}', lang: ar, "
        "every: 15m}" in out
    )
    assert rules.read_bytes() == before


def test_add_appends_one_line_keeping_the_file(server: FeedServer, rules: Path) -> None:
    before = rules.read_text(encoding="utf-8")
    args = ("--rules", str(rules), "--name", "Al Wasat: test", "--every", "20m")
    proc = run("sources", "add", server.url("/"), *args, state=rules.parent)
    assert proc.returncode == 0, proc.stderr
    feed = server.url("/news/rss.xml")
    line = f"  - {{name: 'Al Wasat: test', kind: rss, url: '{feed}', lang: ar, every: 20m}}"
    after = rules.read_text(encoding="utf-8")
    assert f"added to {rules}: - {line.strip()[2:]}" in proc.stdout
    added = [x for x in after.splitlines() if x not in before.splitlines()]
    assert added == [line] and after.replace(line + "\n", "", 1) == before
    assert load_rules(rules).sources[-1].name == "Al Wasat: test"
    assert run("check", "--rules", str(rules), state=rules.parent).returncode == 0

    again = run("sources", "add", server.url("/news/rss.xml"), "--rules", str(rules),
                state=rules.parent)  # fmt: skip
    assert again.returncode == 1
    assert "refused: this feed is already watched as 'Al Wasat: test'" in again.stderr
    assert rules.read_text(encoding="utf-8") == after


def test_a_dead_feed_or_a_bad_option_adds_nothing(server: FeedServer, rules: Path) -> None:
    before = rules.read_bytes()
    proc = run("sources", "add", server.url("/dead/"), "--rules", str(rules), state=rules.parent)
    assert proc.returncode == 1
    assert "no feed found" in proc.stderr and "nothing added" in proc.stderr
    assert f"tried {server.url('/gone.xml')} (link): HTTP 404" in proc.stdout
    bad = run("sources", "add", server.url("/"), "--lang", "Arabic", "--rules", str(rules),
              state=rules.parent)  # fmt: skip
    assert bad.returncode == 1 and "--lang 'Arabic' is not a language code" in bad.stderr
    taken = run("sources", "add", server.url("/"), "--name", "BBC ARABIC", "--rules", str(rules),
                state=rules.parent)  # fmt: skip
    assert taken.returncode == 1 and "a source is already named 'BBC Arabic'" in taken.stderr
    assert rules.read_bytes() == before


def test_opml_from_feedly_in_and_out_again(rules: Path) -> None:
    feedly = ROOT / "tests" / "fixtures" / "opml" / "feedly_export.opml"
    proc = run("sources", "import", str(feedly), "--rules", str(rules), state=rules.parent)
    assert proc.returncode == 0, proc.stderr
    assert "skipped 'Libya Herald': already watched" in proc.stdout
    assert "added 3 of 6 feeds" in proc.stdout
    names = [s.name for s in load_rules(rules).sources][-3:]
    assert names == ["Google News - site:alwasat.ly", "AllAfrica News: Africa", "Euronews عربي"]
    again = run("sources", "import", str(feedly), "--rules", str(rules), state=rules.parent)
    assert again.returncode == 0 and "nothing to add" in again.stdout

    out = run("sources", "export", "--rules", str(rules), state=rules.parent)
    assert out.returncode == 0, out.stderr
    assert "left out 'Offline demo': a file source is no feed" in out.stderr
    exported = {o.xml_url for o in read_opml(out.stdout.encode())}
    assert {o.xml_url for o in read_opml(feedly.read_bytes())} <= exported
