"""The polite client against a real local server: conditional GET, limits, redirects, spacing."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from config.model import Fetch, Source
from core.clock import FixedClock
from core.errors import FetchError
from core.health import SourceHealth
from tests.feedserver import FeedServer, http_date
from watchers.http import Fetcher, make_client
from watchers.poll import poll
from watchers.schedule import after_poll

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
BBC = (FEEDS / "en_bbc_world_2026-08-13_0424.xml").read_bytes()
T0 = datetime(2026, 8, 13, 6, 0, tzinfo=UTC)
FAST = Fetch(connect_timeout_s=2, read_timeout_s=2, total_timeout_s=5, max_bytes=1_000_000)


@pytest.fixture
def server():
    with FeedServer() as srv:
        yield srv


async def test_second_poll_is_answered_by_304(server):
    url = server.add("/bbc.xml", BBC, last_modified=http_date(1_700_000_000))
    source = Source(name="bbc", kind="rss", every_s=600, url=url)
    clock = FixedClock(T0)
    async with make_client(FAST) as client:
        fetcher = Fetcher(client, FAST, clock)
        first = await poll(source, SourceHealth(name="bbc"), fetcher, clock)
        assert first.ok and len(first.items) == 28 and first.etag and first.last_modified
        health = after_poll(SourceHealth(name="bbc"), first, source, FAST, random.Random(1))
        second = await poll(source, health, fetcher, clock)
    assert second.ok and second.not_modified and second.status == 304 and second.items == ()
    assert second.etag == first.etag
    sent = [r.headers for r in server.requests if r.path == "/bbc.xml"]
    assert "if-none-match" not in sent[0]
    assert sent[1]["if-none-match"] == first.etag
    assert sent[1]["if-modified-since"] == first.last_modified


async def test_honest_headers_and_gzip(server):
    url = server.add("/gz.xml", BBC, gzip=True)
    clock = FixedClock(T0)
    async with make_client(FAST) as client:
        response = await Fetcher(client, FAST, clock).get(url)
    assert response.body == BBC
    assert response.headers["content-encoding"] == "gzip"
    seen = server.requests[-1].headers
    assert seen["user-agent"] == FAST.user_agent
    assert {"gzip", "deflate", "br"} <= {p.strip() for p in seen["accept-encoding"].split(",")}


async def test_retry_after_is_honoured(server):
    url = server.add("/busy", status=429, headers={"Retry-After": "1800"})
    source = Source(name="busy", kind="rss", every_s=60, url=url)
    clock = FixedClock(T0)
    async with make_client(FAST) as client:
        outcome = await poll(source, SourceHealth(name="busy"), Fetcher(client, FAST, clock), clock)
    assert not outcome.ok and outcome.status == 429 and outcome.retry_after_s == 1800
    assert "HTTP 429" in outcome.error
    health = after_poll(
        SourceHealth(name="busy"), outcome, source, Fetch(jitter=0), random.Random(1)
    )
    assert health.next_check is not None
    assert (health.next_check - outcome.finished).total_seconds() == 1800


async def test_retry_after_as_http_date(server):
    url = server.add("/later", status=503, headers={"Retry-After": http_date(T0.timestamp() + 120)})
    clock = FixedClock(T0)
    async with make_client(FAST) as client:
        with pytest.raises(FetchError) as caught:
            await Fetcher(client, FAST, clock).get(url)
    assert caught.value.status == 503 and caught.value.retry_after == 120


async def test_redirects_followed_within_the_limit(server):
    server.add("/feed", BBC)
    server.add("/r1", status=301, location="/feed")
    url = server.add("/r0", status=302, location="/r1")
    clock = FixedClock(T0)
    async with make_client(FAST) as client:
        fetcher = Fetcher(client, FAST, clock)
        response = await fetcher.get(url)
        assert response.final_url == server.url("/feed") and response.body == BBC
        for i in range(7):
            server.add(f"/hop{i}", status=302, location=f"/hop{i + 1}")
        with pytest.raises(FetchError, match="more than 5 redirects"):
            await fetcher.get(server.url("/hop0"))


async def test_per_host_concurrency_limit(server):
    urls = [server.add(f"/slow{i}", BBC, delay_s=0.15) for i in range(4)]
    fetch = Fetch(per_host=1, total_timeout_s=10)
    clock = FixedClock(T0)
    async with make_client(fetch) as client:
        fetcher = Fetcher(client, fetch, clock)
        bodies = await asyncio.gather(*(fetcher.get(u) for u in urls))
    assert all(b.body == BBC for b in bodies)
    assert server.max_in_flight == 1


async def test_per_host_spacing_waits_between_requests(server):
    url = server.add("/gdelt", b"{}")
    clock = FixedClock(T0)
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    async with make_client(FAST) as client:
        fetcher = Fetcher(client, FAST, clock, spacing={"127.0.0.1": 5.0}, sleep=fake_sleep)
        await asyncio.gather(*(fetcher.get(url) for _ in range(3)))
        clock.advance(20)
        await fetcher.get(url)
    assert sorted(waits) == [5.0, 10.0]  # the 4th request came after the gap: no wait


@pytest.mark.parametrize("encoding", ["br", "deflate", "raw-deflate"])
async def test_brotli_and_deflate_bodies_are_decoded(server, encoding):
    """Each Content-Encoding the client announces is decoded: brotli, zlib deflate, and the
    raw deflate some servers send under the same name."""
    url = server.add(f"/{encoding}.xml", BBC, encoding=encoding)
    async with make_client(FAST) as client:
        response = await Fetcher(client, FAST, FixedClock(T0)).get(url)
    assert response.body == BBC
    assert response.headers["content-encoding"] == encoding.removeprefix("raw-")


@pytest.mark.parametrize("encoding", ["br", "deflate"])
async def test_a_compressed_body_is_bounded_after_decompression(server, encoding):
    """A small compressed body that inflates past fetch: max_bytes is refused, whatever the
    encoding (zeros compress a thousandfold)."""
    url = server.add(f"/big-{encoding}.xml", b"\0" * 3_000_000, encoding=encoding)
    async with make_client(FAST) as client:
        with pytest.raises(FetchError, match="bytes"):
            await Fetcher(client, FAST, FixedClock(T0)).get(url)
