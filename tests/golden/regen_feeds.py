"""Regenerate the golden items of every feed fixture: `python tests/golden/regen_feeds.py`.

Each fixture under tests/fixtures/feeds and tests/fixtures/feedparser-edge is served by a real
local FeedServer (with the HTTP headers a feedparser-edge file asks for in its `Header:` lines)
and polled through `watchers.poll.poll`, exactly as tests/test_watchers_golden.py does; the items
(or the error in words) go to tests/golden/feeds/<fixture path>.json, with the server's address
replaced by http://feeds.test so the files are stable. Review the printed digest by eye after a
regeneration: every encoding must come out as readable text.
"""

from __future__ import annotations

import asyncio
import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config.model import Fetch, Source  # noqa: E402  # after the sys.path fix for script use
from core.clock import FixedClock  # noqa: E402
from core.health import SourceHealth  # noqa: E402
from core.items import Item  # noqa: E402
from tests.feedserver import FeedServer  # noqa: E402
from watchers.http import Fetcher, make_client  # noqa: E402
from watchers.poll import poll  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden" / "feeds"
STABLE_ORIGIN = "http://feeds.test"
_HEADER = re.compile(rb"^Header:\s*([A-Za-z-]+):\s*(.*?)\s*$", re.M)
CONTENT_TYPES = {".xml": "application/xml", ".json": "application/feed+json"}


def fixture_paths() -> list[str]:
    """Every fixture, as a path relative to tests/fixtures (sorted)."""
    found = [
        p for p in FIXTURES.joinpath("feeds").iterdir() if p.suffix in (".xml", ".json", ".html")
    ]
    found += list(FIXTURES.joinpath("feedparser-edge").rglob("*.xml"))
    return sorted(str(p.relative_to(FIXTURES)) for p in found)


def kind_of(rel: str) -> str:
    name = Path(rel).name
    if "gdelt" in name:
        return "gdelt"
    if "telegram" in name:
        return "telegram_channel"
    if "google-news" in name:
        return "google_news"
    return "rss"


def served_headers(rel: str, body: bytes) -> dict[str, str]:
    """The headers to serve a fixture with: its `Header:` lines, else a plain content type."""
    head = body[:1024]
    if rel.startswith("feedparser-edge/") and b"Header:" in head:
        return {k.decode(): v.decode("latin-1") for k, v in _HEADER.findall(head)}
    suffix = Path(rel).suffix
    if suffix == ".html":
        return {"Content-Type": "text/html; charset=utf-8"}
    return {"Content-Type": CONTENT_TYPES.get(suffix, "application/xml")}


def source_for(rel: str, server: FeedServer) -> Source:
    kind = kind_of(rel)
    path = "/" + rel
    if kind == "telegram_channel":
        return Source(
            name=rel, kind=kind, every_s=600, url=server.url(path), channel="sahel_synthetic"
        )
    return Source(name=rel, kind=kind, every_s=600, url=server.url(path), query="حفتر")


def serve(server: FeedServer, rel: str) -> Source:
    body = (FIXTURES / rel).read_bytes()
    headers = served_headers(rel, body)
    content_type = None
    extra = {}
    for key, value in headers.items():
        if key.lower() == "content-type":
            content_type = value
        else:
            extra[key] = value
    path = "/" + rel
    if kind_of(rel) == "telegram_channel":
        path += "/sahel_synthetic"
    server.add(path, body, content_type=content_type, headers=extra)
    return source_for(rel, server)


def item_json(item: Item, origin: str) -> dict[str, Any]:
    def fix(text: str) -> str:
        return text.replace(origin, STABLE_ORIGIN)

    return {
        "url": fix(item.url),
        "guid": fix(item.guid),
        "title": item.title,
        "summary": item.summary,
        "text": item.text,
        "lang": item.lang,
        "published": item.published.isoformat() if item.published else None,
        "extra": {k: fix(v) for k, v in sorted(item.extra.items())},
    }


async def collect(server: FeedServer, rels: list[str]) -> dict[str, Any]:
    """Poll every fixture once through the real client; {fixture: items or {"error": ...}}."""
    sources = {rel: serve(server, rel) for rel in rels}
    fetch = Fetch(total_timeout_s=20)
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    async with make_client(fetch) as client:
        fetcher = Fetcher(client, fetch, clock)
        outcomes = await asyncio.gather(
            *(poll(src, SourceHealth(name=rel), fetcher, clock) for rel, src in sources.items())
        )
    results: dict[str, Any] = {}
    for rel, outcome in zip(sources, outcomes, strict=True):
        if outcome.ok:
            results[rel] = [item_json(i, server.base_url) for i in outcome.items]
        else:
            results[rel] = {"error": outcome.error.replace(server.base_url, STABLE_ORIGIN)}
    return results


def golden_path(rel: str) -> Path:
    return GOLDEN / (rel + ".json")


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> None:
    rels = fixture_paths()
    with FeedServer() as server:
        results = asyncio.run(collect(server, rels))
    for rel, value in results.items():
        path = golden_path(rel)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump(value), encoding="utf-8")
        if isinstance(value, dict):
            print(f"{rel}: ERROR {value['error']}")
        else:
            first = value[0] if value else {}
            print(f"{rel}: {len(value)} items | {first.get('title', '')[:70]!r}")
    print(f"wrote {len(results)} golden files under {GOLDEN.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
