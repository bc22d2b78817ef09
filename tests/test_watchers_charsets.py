"""Feeds whose bytes are not what they say (issue 13, finding 4): an otherwise valid UTF-8 Arabic
feed with one invalid byte, and a feed that declares UTF-8 but is windows-1256. Both must read
as Arabic (the bad byte replaced), and the source must show as degraded, with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from config.model import Source
from tests.feedserver import FeedServer
from tests.service_support import SEED_FEED, SEED_TITLE, source, write_rules
from tests.service_support import run_bot as bot
from watchers import rss

SEED = SEED_FEED.read_bytes()
AT = SEED.index("الرسمية".encode())
ONE_BAD_BYTE = SEED[:AT] + b"\xff" + SEED[AT:]  # inside the description, before a word
WINDOWS_1256 = SEED.decode("utf-8").encode("cp1256")  # still says encoding="UTF-8"
SOURCE = Source(name="Seed", kind="rss", every_s=600, url="http://feeds.test/seed.xml", lang="ar")
UTF8_HEADER = {"Content-Type": "application/rss+xml; charset=utf-8"}


@pytest.mark.parametrize("headers", [UTF8_HEADER, {"Content-Type": "application/xml"}])
def test_one_invalid_byte_is_replaced_not_the_whole_document(headers: dict[str, str]) -> None:
    parsed = rss.parse_feed(ONE_BAD_BYTE, SOURCE, headers=headers)
    [item] = parsed.items
    assert item.title == SEED_TITLE
    assert "\ufffdالرسمية" in item.summary  # just the bad byte is lost
    assert "invalid UTF-8" in parsed.degraded


@pytest.mark.parametrize("headers", [UTF8_HEADER, {"Content-Type": "application/xml"}])
def test_windows_1256_declared_as_utf8_reads_as_arabic(headers: dict[str, str]) -> None:
    parsed = rss.parse_feed(WINDOWS_1256, SOURCE, headers=headers)
    [item] = parsed.items
    assert item.title == SEED_TITLE
    assert "\ufffd" not in item.summary
    assert parsed.degraded == "declared UTF-8 but is windows-1256"


def test_honest_feeds_are_not_degraded() -> None:
    assert rss.parse_feed(SEED, SOURCE, headers=UTF8_HEADER).degraded == ""
    undeclared = WINDOWS_1256.replace(b' encoding="UTF-8"', b"")
    parsed = rss.parse_feed(undeclared, SOURCE, headers={"Content-Type": "application/xml"})
    assert parsed.items[0].title == SEED_TITLE and parsed.degraded == ""


def test_a_bad_byte_in_an_arabic_feed_matches_and_shows_the_source_degraded(
    tmp_path: Path, feeds: FeedServer
) -> None:
    feeds.add("/bad.xml", ONE_BAD_BYTE)
    other = WINDOWS_1256.replace(b"seed/000_", b"seed/cp1256_").replace(b"seed-000", b"seed-cp")
    feeds.add("/1256.xml", other, content_type="application/xml")
    rules = write_rules(tmp_path, [
        source("BadByte", feeds.url("/bad.xml"), lang="ar"),
        source("Cp1256", feeds.url("/1256.xml"), lang="ar"),
    ])  # fmt: skip
    state = tmp_path / "state"
    once = bot(state, "once", "--rules", str(rules))
    assert once.returncode == 0, once.stderr
    assert "BadByte: ok; 1 items, 1 new, 1 on topic" in once.stderr, once.stderr
    assert "Cp1256: ok; 1 items, 1 new, 1 on topic" in once.stderr, once.stderr
    assert SEED_TITLE in once.stdout  # the alert reads as Arabic

    table = bot(state, "sources", "--rules", str(rules))
    assert table.returncode == 0, table.stderr
    rows = {line.split()[0]: line for line in table.stdout.splitlines()[1:]}
    assert "degraded" in rows["BadByte"] and "invalid UTF-8" in rows["BadByte"], table.stdout
    assert "degraded" in rows["Cp1256"] and "windows-1256" in rows["Cp1256"], table.stdout

    found = bot(state, "search", "واغادوغو")
    assert found.returncode == 0 and SEED_TITLE in found.stdout, found.stdout
