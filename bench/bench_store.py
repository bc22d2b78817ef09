"""Benchmark of the store at scale: ingest (dedupe + clustering decision), FTS queries, file size.

    .venv/bin/python bench/bench_store.py [--items 1000000] [--ingest 3000] [--full-index]

1. Fills a fresh database (in a temporary folder) with --items synthetic but realistic reports
   (English, French, Arabic; 200 sources; entities, numbers, Zipf-distributed vocabulary; first
   seen over 90 days) through the bulk path: executemany in one transaction, the same tables,
   keys and full-text rows `Store.ingest` writes. The clustering index holds what `prune` keeps
   (the last 2 x 48 h); --full-index also files 16 random band keys for every older item, the
   index as it would be if never pruned.
2. Times `Store.ingest` on --ingest new reports, a mix of exact duplicates (the same article
   with tracking parameters or another GUID), near-duplicates (a recent report re-titled by
   another outlet) and new reports: first each in a transaction of its own (a feed that brings
   one report), then --ingest others in transactions of 20, as the pipeline stores a poll
   (each report charged its own time and an equal share of the commit).
3. Times FTS queries (common and rare words, phrases, prefixes, Arabic).
4. Prints the database size per 1,000 items, then times the pruning of the oldest day.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.clock import FixedClock
from core.items import Item
from core.text import normalize
from matching.result import Hit, MatchResult, TopicResult
from storage.db import open_state
from storage.rows import content_hash, identity_keys
from storage.store import Store
from stories.cluster import Features, lsh_keys, sketches
from stories.fingerprint import lead, numbers

END = datetime(2026, 8, 13, 12, 0, tzinfo=UTC)
POLL = 20  # reports a transaction in the batched run: a feed's worth
DAYS = 90
WINDOW_H = 48.0

ENTITIES = [
    # id, kind, en, fr, ar
    ("saddam_haftar", "person", "Saddam Haftar", "Saddam Haftar", "صدام حفتر"),
    ("khalifa_haftar", "person", "Khalifa Haftar", "Khalifa Haftar", "خليفه حفتر"),
    ("ibrahim_traore", "person", "Ibrahim Traore", "Ibrahim Traore", "ابراهيم تراوري"),
    ("assimi_goita", "person", "Assimi Goita", "Assimi Goita", "عاصمي غويتا"),
    ("tiani", "person", "Abdourahamane Tiani", "Abdourahamane Tiani", "عبد الرحمن تياني"),
    ("yevkurov", "person", "Yunus-Bek Yevkurov", "Iounous-Bek Evkourov", "يونس بك يفكيروف"),
    ("wagner", "organisation", "Wagner", "Wagner", "فاغنر"),
    ("africa_corps", "organisation", "Africa Corps", "Africa Corps", "الفيلق الافريقي"),
    ("jnim", "organisation", "JNIM", "JNIM", "جماعه نصره الاسلام والمسلمين"),
    ("aes", "organisation", "Sahel States", "Etats du Sahel", "تحالف دول الساحل"),
    ("libya", "place", "Libya", "Libye", "ليبيا"),
    ("mali", "place", "Mali", "Mali", "مالي"),
    ("niger", "place", "Niger", "Niger", "النيجر"),
    ("burkina_faso", "place", "Burkina Faso", "Burkina Faso", "بوركينا فاسو"),
    ("ouagadougou", "place", "Ouagadougou", "Ouagadougou", "واغادوغو"),
    ("bamako", "place", "Bamako", "Bamako", "باماكو"),
    ("niamey", "place", "Niamey", "Niamey", "نيامي"),
    ("benghazi", "place", "Benghazi", "Benghazi", "بنغازي"),
    ("tripoli", "place", "Tripoli", "Tripoli", "طرابلس"),
    ("menaka", "place", "Menaka", "Menaka", "ميناكا"),
    ("gao", "place", "Gao", "Gao", "غاو"),
    ("kidal", "place", "Kidal", "Kidal", "كيدال"),
    ("russia", "place", "Russia", "Russie", "روسيا"),
    ("sudan", "place", "Sudan", "Soudan", "السودان"),
]
PEOPLE = [e for e in ENTITIES if e[1] == "person"]
ORGS = [e for e in ENTITIES if e[1] == "organisation"]
PLACES = [e for e in ENTITIES if e[1] == "place"]
KINDS = {e[0]: e[1] for e in ENTITIES}
LANG_COL = {"en": 2, "fr": 3, "ar": 4}
BACKGROUND = 0.65  # share of reports that name no entity of the rules

TEMPLATES = {
    "en": [
        "{p} meets {p2} in {pl} as {o} expands",
        "{n} killed in attack near {pl}, officials say",
        "{o} fighters deployed to {pl} amid {w} {w}",
        "{p} visits {pl} for talks on {w} and {w}",
        "{pl} junta extends transition by {n} years",
    ],
    "fr": [
        "{p} rencontre {p2} à {pl} sur fond de {w} {w}",
        "{n} morts dans une attaque près de {pl}",
        "Des combattants de {o} déployés à {pl}",
        "{p} en visite à {pl} pour parler de {w}",
        "La junte de {pl} prolonge la transition de {n} ans",
    ],
    "ar": [
        "{p} يلتقي {p2} في {pl} وسط {w} {w}",
        "مقتل {n} في هجوم قرب {pl}",
        "انتشار مقاتلي {o} في {pl} وسط {w}",
        "{p} يزور {pl} لبحث {w} و{w}",
        "المجلس العسكري في {pl} يمدد المرحله الانتقاليه {n} سنوات",
    ],
}


def _syllables(consonants: str, vowels: str, count: int, seed: int) -> list[str]:
    """CV and CVC syllables: about as many distinct 4-grams as real text, so that unrelated
    reports share as few (mean Jaccard ~0.03, as measured on the English fixture feeds)."""
    rng = random.Random(seed)
    every = [c + v for c in consonants for v in vowels]
    every += [c + v + d for c in consonants for v in vowels for d in consonants]
    return rng.sample(every, count)


SYLLABLES = {
    "en": _syllables("bcdfghklmnprstvwz", "aeiouy", 600, 1),
    "fr": _syllables("bcdfglmnprstv", "aeiouéè", 600, 2),
    # Arabic is written without short vowels: consonant clusters, long vowels ا و ي
    "ar": _syllables("بتثجحدرزسشصعفقكلمنه", "اوي", 600, 3),
}


def vocabulary(rng: random.Random, lang: str, size: int = 20000) -> tuple[list[str], list[float]]:
    """Zipf-distributed words; as in real text, the most frequent words are the shortest."""
    syl = SYLLABLES[lang]
    words = list(
        dict.fromkeys("".join(rng.choices(syl, k=rng.randint(1, 4))) for _ in range(size * 2))
    )[:size]
    words.sort(key=len)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return words, cum


class Generator:
    """Synthetic reports: a template headline with entities and a number, a Zipf-worded lead."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.vocab = {lang: vocabulary(self.rng, lang) for lang in LANG_COL}
        self.sources = [(f"Outlet {i:03d}", ("en", "fr", "ar")[i % 3]) for i in range(200)]
        # more people and places than the named ones, as a real rules file has
        names = random.Random(5)
        self.people = PEOPLE + [self._entity(names, f"person_{i}", "person") for i in range(60)]
        self.places = PLACES + [self._entity(names, f"place_{i}", "place") for i in range(80)]
        self.kinds = {**KINDS, **{e[0]: e[1] for e in self.people + self.places}}

    @staticmethod
    def _entity(rng: random.Random, eid: str, kind: str) -> tuple[str, str, str, str, str]:
        latin = "".join(rng.choices(SYLLABLES["en"], k=3)).capitalize()
        arabic = "".join(rng.choices(SYLLABLES["ar"], k=3))
        return (eid, kind, latin, latin, arabic)

    def words(self, lang: str, k: int) -> list[str]:
        words, cum = self.vocab[lang]
        return self.rng.choices(words, cum_weights=cum, k=k)

    def report(self, n: int, when: datetime) -> tuple[Item, dict[str, str], tuple[str, ...]]:
        rng = self.rng
        source, lang = self.sources[rng.randrange(len(self.sources))]
        col = LANG_COL[lang]
        if rng.random() < BACKGROUND:
            # the bulk of any feed: news about anything else, no entity of the rules
            title = " ".join(self.words(lang, rng.randint(6, 11))).capitalize()
            summary = " ".join(self.words(lang, 30))
            url = f"https://{source.lower().replace(' ', '')}.example/{when:%Y/%m/%d}/n-{n}"
            item = Item(source, url, f"guid-{n}", title, summary=summary, lang=lang, published=when)
            return item, {}, ()
        p, p2 = rng.sample(self.people, 2)
        o = rng.choice(ORGS)
        pl = rng.choice(self.places)
        num = str(rng.randint(2, 300))
        w = self.words(lang, 4)
        title = (
            rng.choice(TEMPLATES[lang])
            .format(p=p[col], p2=p2[col], pl=pl[col], o=o[col], n=num, w=w[0])
            .replace("{w}", w[1])
        )
        title = f"{title} {' '.join(self.words(lang, 2))}"
        body = " ".join(self.words(lang, 28))
        summary = f"{p[col]} {body[:90]} {pl[col]} {o[col]} {body[90:]}"
        url = f"https://{source.lower().replace(' ', '')}.example/{when:%Y/%m/%d}/story-{n}"
        item = Item(source, url, f"guid-{n}", title, summary=summary, lang=lang, published=when)
        ents = {e[0]: e[1] for e in (p, p2, o, pl) if e[col] in title or e[col] in summary}
        title_ents = tuple(e[0] for e in (p, p2, o, pl) if e[col] in title)
        return item, ents, title_ents


def match_for(item: Item, ents: dict[str, str], title_ents: tuple[str, ...]) -> MatchResult:
    hits = tuple(
        Hit(e, e, None, item.lang, *((0, 1, "title") if e in title_ents else (12, 13, "text")), e)
        for e in ents
    )
    topics = (
        (TopicResult("russia_military_africa", True, 3.0, 3.0, hits),) if len(ents) >= 3 else ()
    )
    return MatchResult(item.guid, topics, tuple(ents), hits)


def fill(store: Store, gen: Generator, n_items: int, full_index: bool) -> float:
    """Bulk-load n_items reports, oldest first; returns seconds taken."""
    t0 = time.perf_counter()
    conn = store.conn
    start = END - timedelta(days=DAYS)
    step = DAYS * 86400 / n_items
    index_from = END - timedelta(hours=2 * WINDOW_H)
    conn.execute("PRAGMA cache_size=-400000")
    conn.execute("BEGIN")
    batch: dict[str, list[tuple[object, ...]]] = {
        k: []
        for k in ("items", "keys", "fts", "stories", "story_items", "topics", "cluster", "matches")
    }

    def flush() -> None:
        conn.executemany(
            "INSERT INTO items(id, source, url, canonical_url, guid, title, summary, text, lang,"
            " published, first_seen, last_seen, content_hash, entities, features, extra)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, '{}')",
            batch["items"],
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
            "INSERT INTO story_items(item_id, story_id, reason, joined_at)"
            " VALUES (?, ?, 'new story', ?)",
            batch["story_items"],
        )
        conn.executemany(
            "INSERT INTO story_topics(story_id, topic, first_at) VALUES (?, ?, ?)", batch["topics"]
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
        item, ents, title_ents = gen.report(i, when)
        ts = when.isoformat(timespec="seconds")
        title_n, body_n = normalize(item.title), normalize(item.summary)
        feats = "{}"
        if when >= index_from:
            lead_n = lead(item.summary)
            signature, whole_sketch, lead_sketch = sketches(title_n, lead_n)
            f = Features(
                i,
                i,
                item.lang,
                when.timestamp(),
                title_n,
                lead_n,
                numbers(f"{item.title} {item.summary[:250]}"),
                numbers(item.title),
                ents,
                frozenset(title_ents),
                frozenset(ents),
                sketch=whole_sketch,  # as stories.cluster.build_features keeps them
                lead_sketch=lead_sketch,
                minhash=signature,
            )
            feats = f.to_json()
            batch["cluster"] += [(k, i, int(f.ts)) for k in lsh_keys(f)]
        elif full_index:
            tsi = int(when.timestamp())
            batch["cluster"] += [(rng.getrandbits(63), i, tsi) for _ in range(16)]
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
                feats,
            )
        )
        batch["keys"] += [(k, i, kind, int(when.timestamp())) for k, kind in identity_keys(item)]
        batch["fts"].append((i, title_n, body_n))
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
        batch["story_items"].append((i, i, ts))
        if len(ents) >= 3:
            batch["topics"].append((i, "russia_military_africa", ts))
            batch["matches"].append((i, "russia_military_africa", '{"score": 3.0}'))
        if i % 20000 == 0:
            flush()
            if i % 200000 == 0:
                print(f"  filled {i:,} items in {time.perf_counter() - t0:.0f} s", flush=True)
    flush()
    conn.execute("COMMIT")
    # one transaction leaves the full-text index in many segments, which the next small
    # commits would merge in one long crisis merge: start from a merged index instead
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('optimize')")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    return time.perf_counter() - t0


def timed_ingest(
    store: Store, gen: Generator, n_items: int, count: int, batch: int = 1, seed: int = 3
) -> dict[str, list[float]]:
    """Ingest `count` reports: a third exact duplicates, a third near-duplicates, a third new.
    `batch` > 1: that many reports share a transaction, as a poll's reports do in the pipeline
    (Store.ingest_many); each report is charged its own time plus an equal share of the
    commit. `seed` picks the stored reports copied (and numbers the new ones)."""
    rng = random.Random(seed)
    clock = store.clock
    assert isinstance(clock, FixedClock)
    recent_from = max(1, n_items - int(n_items * 40 / (DAYS * 24)))  # the last 40 hours
    times: dict[str, list[float]] = {"duplicate": [], "near-duplicate": [], "new": []}
    outcomes: dict[str, list[str]] = {k: [] for k in times}
    regen = Generator(seed=7)  # replays the fill's sequence to find stored reports again
    stored: dict[int, tuple[Item, dict[str, str], tuple[str, ...]]] = {}
    wanted = set(rng.sample(range(recent_from, n_items + 1), 2 * count // 3 + 2))
    start = END - timedelta(days=DAYS)
    step = DAYS * 86400 / n_items
    for i in range(1, n_items + 1):
        rep = regen.report(i, start + timedelta(seconds=i * step))
        if i in wanted:
            stored[i] = rep
    picks = list(stored)
    rng.shuffle(picks)
    pending: list[tuple[str, int]] = []  # (kind, index in times[kind]) of the open batch
    for j in range(count):
        kind = ("duplicate", "near-duplicate", "new")[j % 3]
        if kind == "new":
            item, ents, title_ents = gen.report(n_items + 1 + seed * count + j, clock.now())
        else:
            old, ents, title_ents = stored[picks.pop()]
            if kind == "duplicate":
                item = Item(
                    old.source,
                    old.url + "?utm_source=twitter&fbclid=x",
                    f"other-{j}",
                    old.title,
                    summary=old.summary,
                    lang=old.lang,
                    published=old.published,
                )
            else:
                words = old.title.split()
                item = Item(
                    f"Syndicator {j % 50}",
                    f"https://syndicator{j % 50}.example/{j}",
                    f"s-{j}",
                    " ".join([*words[:-2], "(AFP)"]),
                    summary=old.summary,
                    lang=old.lang,
                    published=old.published,
                )
        m = match_for(item, ents, title_ents)
        if batch > 1 and not pending:
            store.conn.execute("BEGIN IMMEDIATE")
        t0 = time.perf_counter()
        result = store.ingest(item, m, gen.kinds)  # joins the batch's transaction, if open
        times[kind].append(time.perf_counter() - t0)
        if batch > 1:
            pending.append((kind, len(times[kind]) - 1))
            if len(pending) == batch or j == count - 1:
                t0 = time.perf_counter()
                store.conn.execute("COMMIT")
                share = (time.perf_counter() - t0) / len(pending)
                for k, at in pending:
                    times[k][at] += share
                pending = []
        clock.advance(2)
        outcomes[kind].append(
            "seen again"
            if not result.is_new
            else ("joined" if not result.story_is_new else "new story")
        )
    for kind, outs in outcomes.items():
        counts = {o: outs.count(o) for o in sorted(set(outs))}
        print(f"  {kind:15s} outcomes: {counts}")
    return times


QUERIES = [
    "haftar",
    "mali",
    "wagner africa corps",
    '"africa corps"',
    "ouagadougou traore",
    "niger attack",
    "junte transition",
    "صدام حفتر",
    "الفيلق الافريقي",
    "مالي",
    "bamako",
    "kidal menaka",
    "ba*",
    "killed attack gao",
    "rencontre niamey",
    "babeba",
    "no-such-word-anywhere",
    "tripoli benghazi",
    "فاغنر",
    "russie soudan",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--ingest", type=int, default=3000)
    parser.add_argument(
        "--full-index", action="store_true", help="index every item, not only the window"
    )
    parser.add_argument("--keep", metavar="DIR", help="build the database in DIR and keep it")
    parser.add_argument("--pragma", action="append", default=[], help="extra PRAGMA for the run")
    args = parser.parse_args()

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_store_"))
    try:
        clock = FixedClock(END)
        store = Store(open_state(str(folder)), clock)
        gen = Generator()
        print(f"filling {args.items:,} items (bulk path) ...", flush=True)
        fill_s = fill(store, gen, args.items, args.full_index)
        pages, free, page_size = (
            store.conn.execute(f"PRAGMA {p}").fetchone()[0]
            for p in ("page_count", "freelist_count", "page_size")
        )
        size = (pages - free) * page_size  # the data, whether still in the WAL or not
        rows = store.conn.execute("SELECT count(*) FROM cluster_keys").fetchone()[0]
        print(f"fill: {fill_s:.0f} s; clustering index rows: {rows:,}")

        for pragma in args.pragma:
            print(f"PRAGMA {pragma}: {store.conn.execute(f'PRAGMA {pragma}').fetchall()}")
        print(f"ingesting {args.ingest:,} reports through Store.ingest ...", flush=True)
        times = timed_ingest(store, gen, args.items, args.ingest)
        every = [t for ts in times.values() for t in ts]
        print(
            f"ingest, average over {len(every):,}: {1000 * statistics.mean(every):.3f} ms"
            f" (median {1000 * statistics.median(every):.3f} ms,"
            f" p99 {1000 * sorted(every)[int(len(every) * 0.99)]:.3f} ms)"
        )
        for kind, ts in times.items():
            print(f"  {kind:15s} average {1000 * statistics.mean(ts):.3f} ms over {len(ts)}")
        inserted = times["near-duplicate"] + times["new"]  # stored as new items (not seen again)
        print(
            f"  new items inserted (near-duplicates and new): average"
            f" {1000 * statistics.mean(inserted):.3f} ms over {len(inserted)}  (target < 2 ms)"
        )
        print(
            f"ingesting {args.ingest:,} other reports in transactions of {POLL}, as the"
            " pipeline stores a poll ...",
            flush=True,
        )
        polled = timed_ingest(store, gen, args.items, args.ingest, batch=POLL, seed=5)
        for kind, ts in polled.items():
            print(f"  {kind:15s} average {1000 * statistics.mean(ts):.3f} ms over {len(ts)}")
        inserted = polled["near-duplicate"] + polled["new"]
        print(
            f"  new items inserted (near-duplicates and new): average"
            f" {1000 * statistics.mean(inserted):.3f} ms over {len(inserted)}  (target < 2 ms)"
        )

        q_times = []
        for q in QUERIES:
            t0 = time.perf_counter()
            hits = store.search(q, 20)
            q_times.append(time.perf_counter() - t0)
            print(f"  search {q!r:28} {1000 * q_times[-1]:7.2f} ms  {len(hits)} hits")
        print(
            f"FTS query: average {1000 * statistics.mean(q_times):.2f} ms,"
            f" max {1000 * max(q_times):.2f} ms over {len(q_times)} queries"
        )
        t0 = time.perf_counter()
        pruned = store.prune(END + timedelta(days=1), DAYS)
        print(f"prune of the oldest day: {pruned:,} items in {time.perf_counter() - t0:.2f} s")
        n = store.item_count()
        print(
            f"database: {size / 1e6:.0f} MB for {args.items:,} items after the fill ="
            f" {size / (args.items / 1000) / 1e6:.2f} MB per 1,000 items"
            f" ({size / args.items:.0f} bytes an item); {n:,} items after ingest and prune"
        )
        store.conn.close()
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
