"""The watchers benchmark's feeds: deterministic RSS 2.0 feeds of realistic headlines and
summaries, and the child process that serves them on local FeedServers.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

from tests.feedserver import FeedServer

WORDS = [
    "Haftar",
    "Ouagadougou",
    "Sahel",
    "Niger",
    "Mali",
    "Bamako",
    "Niamey",
    "Tripoli",
    "Benghazi",
    "Wagner",
    "Russia",
    "Africa",
    "Corps",
    "junta",
    "convoy",
    "drone",
    "ministry",
    "talks",
    "envoy",
    "border",
    "fuel",
    "oil",
    "militia",
    "alliance",
    "visit",
]


def _vocabulary(size: int = 5000) -> list[str]:
    """Pseudo-words, so that generated headlines differ as much as real ones do (a handful of
    words repeated everywhere would make every item a near-duplicate of every other)."""
    rng = random.Random(0)
    syllables = [c + v for c in "bdfghklmnprstvz" for v in "aeiou"]
    return ["".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(size)]


VOCABULARY = _vocabulary()


def _words(rng: random.Random, n: int) -> str:
    """`n` words: mostly ordinary vocabulary, with one or two of the monitor's names."""
    picked = [rng.choice(VOCABULARY) for _ in range(n)]
    for _ in range(rng.randint(1, 2)):
        picked[rng.randrange(n)] = rng.choice(WORDS)
    return " ".join(picked)


def make_feed(index: int, items: int) -> bytes:
    """One RSS 2.0 feed with `items` items (deterministic, about 8 KB for 20 items)."""
    rng = random.Random(index)
    base = datetime(2026, 8, 13, tzinfo=UTC)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>Bench feed {index}</title><link>https://bench.test/{index}/</link>",
        "<description>generated</description><language>en</language>",
    ]
    for j in range(items):
        title = _words(rng, 9)
        text = _words(rng, 40)
        when = format_datetime(base - timedelta(minutes=index + j * 7), usegmt=True)
        out.append(
            f"<item><title>{title}</title><link>https://bench.test/{index}/{j}</link>"
            f'<guid isPermaLink="false">bench-{index}-{j}</guid>'
            f"<description><![CDATA[<p>{text}</p><p><b>{title}</b></p>]]></description>"
            f"<pubDate>{when}</pubDate></item>"
        )
    out.append("</channel></rss>")
    return "\n".join(out).encode()


def serve(feeds: int, items: int, conn: Any, hosts: int = 1) -> None:
    """Child process: serve the generated feeds until told to stop, spread over `hosts`
    loopback addresses (127.0.0.1, 127.0.0.2, ...: Linux answers on all of 127/8), one
    FeedServer each; sends back the feeds' URLs and this process's id."""
    servers = [FeedServer(host=f"127.0.0.{h + 1}").start() for h in range(hosts)]
    urls = [servers[i % hosts].add(f"/feed/{i}.xml", make_feed(i, items)) for i in range(feeds)]
    conn.send((urls, os.getpid()))
    conn.recv()
    for server in servers:
        server.stop()
