"""Filling the store bench's database through the bulk path, replaying the generator for a
database copied from a snapshot, and the folder a bench's database lives in."""

from __future__ import annotations

import json
import math
import random
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from bench.store.generator import Generated, Generator, match_for
from bench.store.vocab import DAYS, END, WINDOW_H
from core.text import normalize
from storage.rows import content_hash, identity_keys
from storage.store import Store
from storage.story_index import TermStats
from storage.story_join import rarest
from stories.cluster import build_features, lsh_keys
from stories.fingerprint import key64, lead
from stories.profile import Report, StoryProfile
from stories.terms import terms


@dataclass
class _Story:
    """A story of the fill while its event can be reported again."""

    sources: list[str]
    langs: list[str]
    ents: list[str]
    count: int = 1


class _FinalCounts:
    """Word stems' rarity from the fill's counts, as `TermStats` answers it."""

    def __init__(self, df: Counter[tuple[str, str]], docs: Counter[str]) -> None:
        self.df, self.docs = df, docs

    def load(self, lang: str, stems: Any) -> None:
        del lang, stems

    def __call__(self, lang: str, stem: str) -> float:
        return math.log((self.docs[lang] + 1) / (self.df[(lang, stem)] + 1)) + 1.0


def fill(
    store: Store, gen: Generator, n_items: int, full_index: bool, days: float = DAYS
) -> tuple[float, dict[int, Generated]]:
    """Bulk-load n_items reports, oldest first, ending at END; returns seconds taken and the
    reports of the last 40 hours (by item id: the stored reports copies are made of)."""
    t0 = time.perf_counter()
    conn = store.conn
    start = END - timedelta(days=days)
    step = days * 86400 / n_items
    index_from = END - timedelta(hours=2 * WINDOW_H)
    recent_from = END - timedelta(hours=40)
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("BEGIN")
    row_kinds = "items features keys fts stories story_items topics cluster matches grown"
    batch: dict[str, list[tuple[object, ...]]] = {k: [] for k in row_kinds.split()}
    profiles: dict[int, StoryProfile] = {}
    open_stories: dict[int, _Story] = {}
    df: Counter[tuple[str, str]] = Counter()
    docs: Counter[str] = Counter()
    recent: dict[int, Generated] = {}
    window: list[tuple[int, Report]] = []  # the reports of the last two windows, in order

    def flush() -> None:
        conn.executemany(
            "INSERT INTO items(id, source, url, canonical_url, guid, title, summary, text, lang,"
            " published, first_seen, last_seen, content_hash, entities, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, '{}')",
            batch["items"],
        )
        conn.executemany(
            "INSERT INTO item_features(item_id, ts, features) VALUES (?, ?, ?)", batch["features"]
        )
        conn.executemany(
            "INSERT OR IGNORE INTO item_keys(key, item_id, kind, ts) VALUES (?, ?, ?, ?)",
            batch["keys"],
        )
        conn.executemany("INSERT INTO items_fts(rowid, title, body) VALUES (?, ?, ?)", batch["fts"])
        conn.executemany(
            "INSERT INTO stories(id, rep_item_id, title, url, source, lang, published,"
            " first_seen, last_seen, sources, languages, entities, item_count)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            batch["stories"],
        )
        conn.executemany(
            "UPDATE stories SET last_seen = ?, sources = ?, languages = ?, entities = ?,"
            " item_count = ? WHERE id = ?",
            batch["grown"],
        )
        conn.executemany(
            "INSERT INTO story_items(item_id, story_id, reason, joined_at) VALUES (?, ?, ?, ?)",
            batch["story_items"],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO story_topics(story_id, topic, first_at) VALUES (?, ?, ?)",
            batch["topics"],
        )
        conn.executemany(
            "INSERT INTO matches(item_id, topic, matched, score, explanation)"
            " VALUES (?, ?, 1, 3.0, ?)",
            batch["matches"],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO cluster_keys(key, item_id, ts) VALUES (?, ?, ?)",
            batch["cluster"],
        )
        for rows in batch.values():
            rows.clear()

    rng = random.Random(11)
    for i in range(1, n_items + 1):
        when = start + timedelta(seconds=i * step)
        g = gen.report(i, when)
        item, ents = g.item, g.ents
        ts = when.isoformat(timespec="seconds")
        tsi = int(when.timestamp())
        title_n, body_n = normalize(item.title), normalize(item.summary)
        story = g.event.story if g.event is not None else i
        if when >= index_from:
            m = match_for(g)
            f = build_features(item, m, gen.kinds, when.timestamp(), i, story)
            batch["features"].append((i, tsi, f.to_json()))
            batch["cluster"] += [(k, i, tsi) for k in lsh_keys(f)]
            report = Report.of(f)
            window.append((story, report))
            stems = report.terms.keys()
        else:
            if full_index:
                batch["cluster"] += [(rng.getrandbits(63), i, tsi) for _ in range(16)]
            stems = terms(f"{title_n} {lead(item.summary)}".strip(), item.lang).keys()
        # TermStats.count: every report filed counts its stems (term_df is never pruned)
        docs[item.lang] += 1
        df.update((item.lang, t) for t in stems)
        if when >= recent_from:
            recent[i] = g
        batch["items"].append(
            (
                i,
                item.source,
                item.url,
                item.url,
                item.guid,
                item.title,
                item.summary,
                item.lang,
                ts,
                ts,
                ts,
                content_hash(item),
                json.dumps(list(ents)),
            )
        )
        batch["keys"] += [(k, i, kind, tsi) for k, kind in identity_keys(item)]
        batch["fts"].append((i, title_n, body_n))
        if story == i:
            batch["stories"].append(
                (
                    i,
                    i,
                    item.title,
                    item.url,
                    item.source,
                    item.lang,
                    ts,
                    ts,
                    ts,
                    json.dumps([item.source]),
                    json.dumps([item.lang]),
                    json.dumps(list(ents)),
                )
            )
            batch["story_items"].append((i, i, "new story", ts))
            if g.event is not None:
                open_stories[i] = _Story([item.source], [item.lang], list(ents))
        else:
            s = open_stories[story]
            s.count += 1
            s.sources += [item.source] if item.source not in s.sources else []
            s.langs += [item.lang] if item.lang not in s.langs else []
            s.ents += [e for e in ents if e not in s.ents]
            batch["grown"].append(
                (ts, json.dumps(s.sources), json.dumps(s.langs), json.dumps(s.ents), s.count, story)
            )
            batch["story_items"].append((i, story, f"same event as story {story}", ts))
        if sum(1 for k in ents.values() if k not in ("event", "theme")) >= 3:
            batch["topics"].append((story, "russia_military_africa", ts))
            batch["matches"].append((i, "russia_military_africa", '{"score": 3.0}'))
        if i % 20000 == 0:
            flush()
            live = {e.story for e in gen.open}
            for sid in [s for s in open_stories if s not in live]:
                del open_stories[sid]
            if i % 200000 == 0:
                print(f"  filled {i:,} items in {time.perf_counter() - t0:.0f} s", flush=True)
    flush()
    # the profiles of the window's stories, their members' rarest words (storage.story_join.
    # rarest) taken from the final counts, and what storage.story_index.save writes of them
    rarity = _FinalCounts(df, docs)
    for story, report in window:
        report = replace(report, rare=rarest(cast(TermStats, rarity), report))
        profiles.setdefault(story, StoryProfile(story)).add(report)
    conn.executemany(
        "INSERT INTO story_profiles(story_id, first_ts, last_ts, profile) VALUES (?, ?, ?, ?)",
        [(p.story_id, int(p.first_ts), int(p.last_ts), p.to_json()) for p in profiles.values()],
    )
    conn.executemany(
        "INSERT INTO story_keys(key, story_id, ts) VALUES (?, ?, ?)",
        [(key64(k), p.story_id, int(p.last_ts)) for p in profiles.values() for k in p.index_keys()],
    )
    conn.executemany(
        "INSERT INTO term_df(key, df) VALUES (?, ?)",
        [(key64(f"{lang}:{t}"), n) for (lang, t), n in df.items()]
        + [(key64(f"{lang}:"), n) for lang, n in docs.items()],
    )
    conn.execute("COMMIT")
    # one transaction leaves the full-text index in many segments, which the next small
    # commits would merge in one long crisis merge: start from a merged index instead
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    return time.perf_counter() - t0, recent


def replay(gen: Generator, n_items: int, days: float = DAYS) -> dict[int, Generated]:
    """`fill`'s reports again, not stored: the generator's state and the recent reports as
    after `fill` (for a database copied from a --snapshot)."""
    start = END - timedelta(days=days)
    step = days * 86400 / n_items
    recent_from = END - timedelta(hours=40)
    recent = {}
    for i in range(1, n_items + 1):
        when = start + timedelta(seconds=i * step)
        g = gen.report(i, when)
        if when >= recent_from:
            recent[i] = g
    return recent


@contextmanager
def state_folder(keep: str | None, prefix: str) -> Iterator[Path]:
    """The folder a bench builds its database in: `keep` (--keep DIR, left in place), else a
    temporary one, removed at the end however the bench ends."""
    folder = Path(keep) if keep else Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
