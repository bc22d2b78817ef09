"""Timing Store.ingest in the store bench: the join decision measured apart, part by part;
before/now alternated; a profile."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import storage.ingest
import storage.story_join
from bench.store.generator import Generated, Generator, match_for
from core.clock import FixedClock
from core.items import Item
from matching.result import MatchResult
from storage import story_index, story_writes
from storage.store import Store
from storage.story_index import TermStats
from storage.story_join import Filed, near_duplicate

# -- the join decision, measured apart ----------------------------------------------------------


INGEST: Any = storage.ingest  # the module whose name `file_report` Store.ingest calls


def _file_report() -> Callable[..., Filed]:
    """The `file_report` that `storage.ingest` calls (the bench replaces it while it times)."""
    fn: Callable[..., Filed] = INGEST.file_report
    return fn


class Probe:
    """Times `storage.story_join.file_report` for every report that reaches it (through the
    name `storage.ingest` calls), and within it each part (wrappers installed while a pass
    runs): the near-duplicate lookup and decision, the story candidates (their profiles read
    and parsed, also counted apart), the term frequencies, the scoring, the writes."""

    PARTS = (
        (storage.story_join, "candidates", "near-duplicate lookup (LSH candidates)"),
        (storage.story_join, "decide", "near-duplicate decision"),
        (story_index, "candidates", "story candidates (SQL + profiles)"),
        (story_index, "profiles", "  of which profiles read + parsed"),
        (storage.story_join, "_load_terms", "term frequencies read"),
        (storage.story_join, "choose", "scoring (events.choose)"),
        (story_index, "save", "profile save"),
        (TermStats, "count", "term counts"),
        (story_index, "merge", "merges"),
    )
    DECISION = (
        "near-duplicate lookup (LSH candidates)",
        "near-duplicate decision",
        "story candidates (SQL + profiles)",
        "term frequencies read",
        "scoring (events.choose)",
    )

    def __init__(self) -> None:
        self.calls: list[float] = []  # seconds in file_report, one a report
        self.decisions: list[float] = []  # seconds of DECISION parts, one a report
        self.filed: list[Filed] = []
        self.parts: defaultdict[str, float] = defaultdict(float)
        self._now: defaultdict[str, float] = defaultdict(float)

    @contextmanager
    def installed(self, replace: Callable[..., Filed] | None = None) -> Iterator[Probe]:
        """Wrap the functions while the block runs; `replace`: file with it instead."""
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in self.PARTS]
        saved.append((INGEST, "file_report", _file_report()))
        try:
            for owner, name, label in self.PARTS:
                setattr(owner, name, self._timed(getattr(owner, name), label))
            inner = replace or _file_report()

            def file_report(*args: Any, **kwargs: Any) -> Filed:
                self._now.clear()
                t0 = time.perf_counter()
                filed = inner(*args, **kwargs)
                self.calls.append(time.perf_counter() - t0)
                self.decisions.append(sum(self._now[p] for p in self.DECISION))
                for part, spent in self._now.items():
                    self.parts[part] += spent
                self.filed.append(filed)
                return filed

            INGEST.file_report = file_report
            yield self
        finally:
            for owner, name, fn in saved:
                setattr(owner, name, fn)

    def _timed(self, fn: Callable[..., Any], label: str) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._now[label] += time.perf_counter() - t0

        return timed

    def outcomes(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for f in self.filed:
            if f.story_is_new:
                out["new stories"] += 1
            elif f.reason.startswith("near-duplicate"):
                out["near-duplicate joins"] += 1
            else:
                out["same-event joins"] += 1
            if f.merged:
                out["reports that merged stories"] += 1
                out["stories merged"] += len(f.merged)
        return dict(out)

    def print(self, label: str, breakdown: bool = True) -> None:
        n = len(self.calls)
        if not n:
            return
        ms = [1000 * t for t in self.calls]
        print(
            f"  join decision + writes ({label}: time in story_join.file_report), average over"
            f" {n:,} new reports: {statistics.mean(ms):.3f} ms (median {statistics.median(ms):.3f},"
            f" p99 {sorted(ms)[int(n * 0.99)]:.3f})  (target < 2 ms)"
        )
        if any(self.decisions):
            ds = [1000 * t for t in self.decisions]
            print(
                f"  join decision alone (lookups + decide + candidates + terms + choose):"
                f" average {statistics.mean(ds):.3f} ms (median {statistics.median(ds):.3f},"
                f" p99 {sorted(ds)[int(n * 0.99)]:.3f})  (target < 2 ms)"
            )
        if breakdown:
            for _, _, part in self.PARTS:
                if part in self.parts:
                    print(f"    {part:42s} {1000 * self.parts[part] / n:7.3f} ms a report")
            rest = sum(self.calls) - sum(v for k, v in self.parts.items() if not k.startswith("  "))
            label = "story rows, cluster keys (the rest)"
            print(f"    {label:42s} {1000 * rest / n:7.3f} ms a report")
        print(f"  outcomes: {self.outcomes()}")


def near_duplicates_only(
    conn: Any,
    item_id: int,
    item: Item,
    match: MatchResult,
    feats: Any,
    lsh: tuple[int, ...],
    settings: Any,
    stats: Any,
    within: Any,
    now_s: str,
) -> Filed:
    """Filing as the store did before event clustering: the near-duplicate decision over the
    LSH candidates, else a story of its own (no story candidates, scoring, profile or terms)."""
    del stats, within
    dup = near_duplicate(conn, item_id, feats, lsh, settings)
    if dup is None:
        story_id = story_writes.new_story(conn, item_id, item, match, now_s)
        return Filed(story_id, True, "new story", None)
    grew = story_writes.join_story(conn, dup.story_id, item, match, now_s)
    return Filed(dup.story_id, False, dup.reason, dup.score, (), grew)


def timed_ingest(
    store: Store,
    gen: Generator,
    recent: dict[int, Generated],
    count: int,
    batch: int = 1,
    seed: int = 3,
    kinds: tuple[str, ...] = ("duplicate", "near-duplicate", "new"),
) -> dict[str, list[float]]:
    """Ingest `count` reports, in turn of each of `kinds`: exact duplicates, near-duplicates
    (of reports of the last 40 hours) and new reports.
    `batch` > 1: that many reports share a transaction, as a poll's reports do in the pipeline
    (Store.ingest_many); each report is charged its own time plus an equal share of the
    commit. `seed` picks the stored reports copied (and numbers the new ones)."""
    rng = random.Random(seed)
    clock = store.clock
    assert isinstance(clock, FixedClock)
    times: dict[str, list[float]] = {k: [] for k in kinds}
    outcomes: dict[str, list[str]] = {k: [] for k in times}
    stored = sorted(recent)
    pending: list[tuple[str, int]] = []  # (kind, index in times[kind]) of the open batch
    for j in range(count):
        kind = kinds[j % len(kinds)]
        if kind == "new":
            g = gen.report(10**9 + seed * 10**6 + j, clock.now())
            item, m = g.item, match_for(g)
        else:
            old = recent[rng.choice(stored)]
            m = match_for(old)
            src = old.item
            if kind == "duplicate":
                item = Item(
                    src.source,
                    src.url + "?utm_source=twitter&fbclid=x",
                    f"other-{seed}-{j}",
                    src.title,
                    summary=src.summary,
                    lang=src.lang,
                    published=src.published,
                )
            else:
                words = src.title.split()
                item = Item(
                    f"Syndicator {j % 50}",
                    f"https://syndicator{j % 50}.example/{seed}/{j}",
                    f"s-{seed}-{j}",
                    " ".join([*words[:-2], "(AFP)"]),
                    summary=src.summary,
                    lang=src.lang,
                    published=src.published,
                )
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
    if len(kinds) > 1:
        for kind, outs in outcomes.items():
            counts = {o: outs.count(o) for o in sorted(set(outs))}
            print(f"  {kind:15s} outcomes: {counts}")
    return times


def _ms(ts: list[float]) -> str:
    return f"{1000 * statistics.mean(ts):.3f} ms" if ts else "-"


def print_ingest(times: dict[str, list[float]]) -> None:
    for kind, ts in times.items():
        worst = sorted(range(len(ts)), key=lambda k: -ts[k])[:3]
        slowest = ", ".join(f"{1000 * ts[k]:.0f} ms (#{k + 1})" for k in worst)
        print(f"  {kind:15s} average {_ms(ts)} over {len(ts)}; slowest {slowest}")
    inserted = times["near-duplicate"] + times["new"]  # stored as new items (not seen again)
    print(
        f"  new items inserted (near-duplicates and new): average"
        f" {_ms(inserted)} over {len(inserted)}  (target < 2 ms)"
    )


def compare(store: Store, gen: Generator, recent: dict[int, Generated], count: int) -> None:
    """Before (near-duplicates only) and now, alternated, on new reports and near-duplicates."""
    rounds: dict[str, list[Probe]] = {"before": [], "now": []}
    ingest: dict[str, list[float]] = {"before": [], "now": []}
    for r, label in enumerate(("before", "now", "before", "now")):
        probe = Probe()
        replace = near_duplicates_only if label == "before" else None
        with probe.installed(replace):
            times = timed_ingest(
                store, gen, recent, count, seed=20 + r, kinds=("near-duplicate", "new", "new")
            )
        rounds[label].append(probe)
        ingest[label] += times["near-duplicate"] + times["new"]
        ms = 1000 * statistics.mean(probe.calls)
        print(
            f"  round {r + 1} {label:6s}: file_report {ms:.3f} ms,"
            f" Store.ingest {_ms(times['near-duplicate'] + times['new'])} a new item;"
            f" {probe.outcomes()}",
            flush=True,
        )
    for label, probes in rounds.items():
        calls = [t for p in probes for t in p.calls]
        print(
            f"  {label:6s}: file_report average {1000 * statistics.mean(calls):.3f} ms,"
            f" Store.ingest of a new item {_ms(ingest[label])} (over {len(calls):,})"
        )


def profile(store: Store, gen: Generator, recent: dict[int, Generated], count: int) -> None:
    """cProfile of `count` new reports' ingest: the top costs under file_report."""
    prof = cProfile.Profile()
    real = _file_report()

    def profiled(*args: Any, **kwargs: Any) -> Filed:
        prof.enable()
        try:
            return real(*args, **kwargs)
        finally:
            prof.disable()

    INGEST.file_report = profiled
    try:
        timed_ingest(store, gen, recent, count, seed=40, kinds=("near-duplicate", "new", "new"))
    finally:
        INGEST.file_report = real
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats(key).print_stats(25)
        text = out.getvalue()
        print(text[text.find("   ncalls") :])
