"""Hostile and broken sources in one cycle: each fails in words, the others are unaffected,
and memory stays bounded (a 200 MB gzip bomb and an endless body never get past the cap)."""

from __future__ import annotations

import asyncio
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

from config.model import Fetch, Source
from core.clock import FixedClock
from core.health import SourceHealth
from tests.feedserver import FeedServer
from watchers.http import Fetcher, make_client
from watchers.poll import poll

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
GOOD = (FEEDS / "en_aljazeera_all_2026-08-13_0424.xml").read_bytes()
GOOD2 = (FEEDS / "fr_lemonde_une_2018-06-27_bad-atom-ns.xml").read_bytes()
TRUNCATED = (FEEDS / "en_reuters_mostread_2020-03_MALFORMED-truncated.xml").read_bytes()
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://x.test/1</link></item></channel></rss>
"""
HTML = b"<!DOCTYPE html><html><head><title>Welcome</title></head><body><p>Hi</p></body></html>"
LIMITS = Fetch(
    connect_timeout_s=2, read_timeout_s=1, total_timeout_s=2.5, max_bytes=2_000_000, max_redirects=5
)
# fault path -> words the error must contain
EXPECTED = {
    "/http500": "HTTP 500",
    "/stall": "stopped sending",
    "/drip": "gave up after 2.5 s",
    "/endless": "over the limit of 2,000,000 bytes",
    "/bomb": "over the limit of 2,000,000 bytes after decompression",
    "/loop-a": "redirect loop",
    "/cut": "broke off the response",
    "/truncated-xml": "ill-formed feed",
    "/html": "an HTML page, not a feed",
    "/empty": "the body is empty",
    "/reset": "reset",
    "/laughs": "entity-expansion attack",
}


def serve_faults(server: FeedServer) -> None:
    server.add("/http500", status=500)
    server.add("/stall", GOOD, fault="stall_after_headers")
    server.add("/drip", b"<rss>", fault="drip")
    server.add("/endless", b"<rss><channel>", fault="endless")
    server.add("/bomb", fault="gzip_bomb", bomb_mb=200)
    server.add("/loop-a", status=302, location="/loop-b")
    server.add("/loop-b", status=302, location="/loop-a")
    server.add("/cut", GOOD, fault="truncate")
    server.add("/truncated-xml", TRUNCATED)
    server.add("/html", HTML, content_type="text/html; charset=utf-8")
    server.add("/empty", b"")
    server.add("/reset", GOOD, fault="reset")
    server.add("/laughs", LAUGHS, content_type="application/xml")


async def test_one_cycle_with_every_fault():
    clock = FixedClock(datetime(2026, 8, 13, tzinfo=UTC))
    with FeedServer() as server:
        serve_faults(server)
        good = [server.add("/good1", GOOD), server.add("/good2", GOOD2)]
        sources = [Source(name=p, kind="rss", every_s=60, url=server.url(p)) for p in EXPECTED]
        sources += [
            Source(name=f"good{i}", kind="rss", every_s=60, url=u) for i, u in enumerate(good)
        ]
        tracemalloc.start()
        try:
            async with make_client(LIMITS) as client:
                fetcher = Fetcher(client, LIMITS, clock)
                outcomes = await asyncio.gather(
                    *(poll(s, SourceHealth(name=s.name), fetcher, clock) for s in sources)
                )
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    by_name = {o.source: o for o in outcomes}
    for path, words in EXPECTED.items():
        outcome = by_name[path]
        assert not outcome.ok, path
        assert words in outcome.error, (path, outcome.error)
        assert outcome.items == ()
    assert by_name["/http500"].status == 500
    assert by_name["good0"].ok and len(by_name["good0"].items) == 25
    assert by_name["good1"].ok and len(by_name["good1"].items) == 21
    # The bomb inflates to 200 MB and the endless body never ends; a few caps' worth is the ceiling.
    assert peak < 40_000_000, peak


async def test_billion_laughs_is_refused_before_feedparser_without_memory_growth():
    from core.errors import ParseError
    from watchers.rss import parse

    tracemalloc.start()
    try:
        try:
            parse(LAUGHS, Source(name="x", kind="rss", every_s=60))
            raised = ""
        except ParseError as exc:
            raised = str(exc)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "billion laughs" in raised
    assert peak < 5_000_000


async def test_utf16_entity_bomb_is_refused_too():
    from core.errors import ParseError
    from watchers.rss import parse

    body = LAUGHS.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="utf-16"?>')
    wide = body.decode().encode("utf-16")
    try:
        parse(wide, Source(name="x", kind="rss", every_s=60))
        raised = ""
    except ParseError as exc:
        raised = str(exc)
    assert "entity-expansion" in raised


async def test_a_harmless_entity_declaration_still_parses():
    from watchers.rss import parse

    body = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY nbsp "&#160;"><!ENTITY site "Example">]>
<rss version="2.0"><channel><title>t</title>
<item><title>Mali&nbsp;news from &site;</title><link>http://x.test/1</link></item></channel></rss>"""
    items = parse(body, Source(name="x", kind="rss", every_s=60))
    # Not refused; feedparser keeps the safe declarations' text or leaves the reference as is.
    assert items[0].title.startswith("Mali news from")
    assert items[0].url == "http://x.test/1"
