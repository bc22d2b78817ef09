"""The SQL of event clustering: story profiles, the index of stories by anchor and kind of
happening (`story_keys`), word stems' document frequencies (`term_df`), and merging one story
into another. `stories.events` decides; this module reads and writes what it decides on.
Every function runs inside the caller's transaction.
"""

from __future__ import annotations

import json
import math
import sqlite3
import weakref
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence

from storage import merges
from stories.fingerprint import key64
from stories.profile import Report, StoryProfile, report_keys

PER_KEY = 200  # the most recent stories read per key (a hub such as e:russia files thousands)
MAX_STORIES = 20  # candidate stories scored per report, those sharing most keys first
MAX_CACHED = 200_000  # word stems a language's frequencies keep in memory
MAX_BAGS = 4096  # stem bags load_bags remembers a language (ProfileCache keeps no more)


def idf(docs: int, df: int) -> float:
    """The smoothed inverse document frequency of a stem in `df` of `docs` reports."""
    return math.log((docs + 1) / (df + 1)) + 1.0


class TermStats:
    """Document frequencies of word stems per language, and their inverse frequencies, read from
    `term_df` once and then kept: the store is the table's one writer, so what it counts here is
    what is stored (but for a batch rolled back, whose counts stay: a drift of a few reports).

    Inverse frequencies are a snapshot: those of the counts at the language's last recount,
    taken when its report count has moved by a hundredth since the one before (every report at
    first, every 200 at 20,000 reports; `resets` changes). Reports counted meanwhile are stored
    and counted here, and subtracted from a stem's count when its rarity is computed, so a
    rarity does not hang on when it was first asked, and a story's stem bag, weighed once,
    keeps its norm until the recount (`bag_norm`, `stories.lexical`). Past MAX_CACHED stems, a
    language's cache starts again (`resets` changes; the snapshot stays)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._df: dict[str, dict[str, int]] = {}
        self._docs: dict[str, int] = {}
        self._idf: dict[str, dict[str, float]] = {}
        self._idf_at: dict[str, int] = {}  # the report count at the last recount
        self._since: dict[str, dict[str, int]] = {}  # lang -> stem -> counted since the recount
        self._memo: dict[str, dict[str, int]] = {}  # lang -> stem -> its key in term_df
        # lang -> id -> (the bag, held weakly; `resets` when its norm was kept; the norm)
        self._bags: dict[str, dict[int, tuple[weakref.ref[Counter[str]], int, float]]] = {}
        self.resets = 0  # recounts: times kept inverse frequencies were dropped

    def load(self, lang: str, stems: Iterable[str]) -> None:
        """Read the frequencies of `stems` not yet known (and the language's count) at once."""
        known = self._df.setdefault(lang, {})
        if len(known) > MAX_CACHED:
            known.clear()
            self._idf.pop(lang, None)
            self._bags.pop(lang, None)
            self.resets += 1
        fresh = set(stems).difference(known)
        keys = dict(zip(self._keys(lang, fresh), fresh, strict=True))
        if lang not in self._docs:
            keys[key64(f"{lang}:")] = ""
        for t in keys.values():
            if t:
                known[t] = 0
        listed = list(keys)
        for start in range(0, len(listed), 500):
            chunk = listed[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for key, df in self.conn.execute(
                f"SELECT key, df FROM term_df WHERE key IN ({marks})", chunk
            ):
                stem = keys[key]
                if stem:
                    known[stem] = int(df)
                else:
                    self._docs[lang] = int(df)
        self._docs.setdefault(lang, 0)

    def load_bags(self, lang: str, stems: Collection[str], bags: Collection[Counter[str]]) -> None:
        """`load(lang, stems and every stem of bags)`, passing over the bags (stories' stem
        bags, never changed once shared) given here before: their stems stay known until the
        language's frequencies start again (when `load` forgets the bags). Bags are held
        weakly: remembering them keeps no profile alive."""
        seen = self._bags.get(lang, {})
        if len(self._df.get(lang, ())) > MAX_CACHED:  # `load` starts again: read them all
            seen = {}
        fresh = []
        for b in bags:
            kept = seen.get(id(b))
            if kept is None or kept[0]() is not b:
                fresh.append(b)
        self.load(lang, set(stems).union(*fresh))
        for b in fresh:
            self._remember(lang, b, -1, 0.0)

    def bag_norm(self, lang: str, bag: Counter[str]) -> float | None:
        """The norm `keep_norm` kept for `bag` since the last recount, or None."""
        kept = self._bags.get(lang, {}).get(id(bag))
        if kept is None or kept[1] != self.resets or kept[0]() is not bag:
            return None
        return kept[2]

    def keep_norm(self, lang: str, bag: Counter[str], norm: float) -> None:
        """Keep the norm of `bag` (a story's, never changed once shared; every stem of it
        settled) until the next recount; it counts as read by `load_bags` too."""
        self._remember(lang, bag, self.resets, norm)

    def _remember(self, lang: str, bag: Counter[str], resets: int, norm: float) -> None:
        """Hold `bag` weakly with its norm as of `resets` (-1: none yet), MAX_BAGS at most."""
        seen = self._bags.setdefault(lang, {})
        if len(seen) > MAX_BAGS:
            seen.clear()
        seen[id(bag)] = (weakref.ref(bag), resets, norm)

    def __call__(self, lang: str, stem: str) -> float:
        """The smoothed inverse document frequency of `stem` among `lang` reports (as of the
        last recount, taken now if due)."""
        self._recount_if_due(lang)
        value = self._idf.get(lang, {}).get(stem)
        if value is not None:
            return value
        known = self._df.get(lang)
        if known is None or stem not in known:
            self.load(lang, (stem,))
            known = self._df[lang]
            self._recount_if_due(lang)  # the language's count may just have been read
        value = idf(self._idf_at[lang], known[stem] - self._since[lang].get(stem, 0))
        self._idf.setdefault(lang, {})[stem] = value
        return value

    def _recount_if_due(self, lang: str) -> None:
        docs = self._docs.get(lang)
        if docs is not None and self.due(lang, docs):
            self._idf.setdefault(lang, {}).clear()
            self._since[lang] = {}
            self._idf_at[lang] = docs
            self.resets += 1

    def many(self, lang: str, stems: Collection[str]) -> dict[str, float]:
        """`self(lang, stem)` of each of `stems`, in one call (what scoring asks most)."""
        found = self.settled(lang, stems)
        if found is not None:
            return {t: found[t] for t in stems}
        return {t: self(lang, t) for t in stems}

    def settled(self, lang: str, stems: Collection[str]) -> Mapping[str, float] | None:
        """The kept inverse frequencies of `lang` (not to be changed), holding each of `stems`
        as `self` gives it, when nothing is to be read or recounted first (no answer then hangs
        on the order `self` is asked in, and those not kept are computed here without a call
        each); else None. Valid until the next recount (see `resets`)."""
        docs = self._docs.get(lang)
        if docs is None or self.due(lang, docs):
            return None
        kept = self._idf.setdefault(lang, {})
        if all(map(kept.__contains__, stems)):
            return kept
        known = self._df.get(lang)
        if known is None or not all(map(known.__contains__, stems)):
            return None
        at, since = self._idf_at[lang], self._since[lang]
        for t in stems:
            if t not in kept:
                kept[t] = idf(at, known[t] - since.get(t, 0))
        return kept

    def _keys(self, lang: str, stems: Iterable[str]) -> list[int]:
        """The `term_df` keys of `stems` (remembered: one hash each a stem)."""
        memo = self._memo.setdefault(lang, {})
        if len(memo) > MAX_CACHED:
            memo.clear()
        out = []
        for t in stems:
            key = memo.get(t)
            if key is None:
                key = memo[t] = key64(f"{lang}:{t}")
            out.append(key)
        return out

    def due(self, lang: str, docs: int) -> bool:
        """Whether `lang` is to be recounted: never yet, or its report count `docs` has moved
        by more than a hundredth since."""
        at = self._idf_at.get(lang)
        return at is None or abs(docs - at) * 100 > docs

    def count(self, lang: str, stems: Collection[str]) -> None:
        """One more `lang` report holding `stems`."""
        if not lang:
            return
        rows = [(key,) for key in self._keys(lang, stems)] + [(key64(f"{lang}:"),)]
        self.conn.executemany(
            "INSERT INTO term_df(key, df) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET df = df + 1",
            rows,
        )
        known = self._df.get(lang, {})
        since = self._since.get(lang)  # none before the language's first recount
        for t in stems:
            if t in known:
                known[t] += 1
            if since is not None:
                since[t] = since.get(t, 0) + 1
        if lang in self._docs:
            self._docs[lang] += 1


class ProfileCache:
    """Parsed story profiles, kept with the stored text they were parsed from: a profile is
    parsed again only when its row has changed. The objects are shared: copy one before
    changing it (`StoryProfile.copy`)."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self._kept: dict[int, tuple[str, StoryProfile]] = {}

    def get(self, story_id: int, text: str) -> StoryProfile:
        hit = self._kept.get(story_id)
        if hit is not None and hit[0] == text:
            return hit[1]
        profile = StoryProfile.from_json(story_id, text)
        self.put(story_id, text, profile)
        return profile

    def put(self, story_id: int, text: str, profile: StoryProfile) -> None:
        if len(self._kept) >= self.size:
            self._kept.clear()
        self._kept[story_id] = (text, profile)


class Memory:
    """What the store keeps in memory for event clustering between reports: word stems'
    frequencies and parsed profiles (one per Store: its connection is their one writer)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.terms = TermStats(conn)
        self.profiles = ProfileCache()


def candidates(
    conn: sqlite3.Connection,
    r: Report,
    window_s: float,
    cache: ProfileCache | None = None,
    exclude: Collection[int] = (),
) -> list[StoryProfile]:
    """The stories filed under any of the report's keys whose latest member is within the
    window of it (at most MAX_STORIES, those sharing most keys first)."""
    keys = [key64(k) for k in report_keys(r)]
    if not keys:
        return []
    floor = int(r.ts - window_s)
    parts = " UNION ALL ".join(
        "SELECT * FROM (SELECT story_id FROM story_keys WHERE key = ? AND ts >= ?"
        f" ORDER BY ts DESC LIMIT {PER_KEY})"
        for _ in keys
    )
    params: list[int] = []
    for key in keys:
        params += [key, floor]
    ids = [
        row[0]
        for row in conn.execute(
            f"SELECT story_id, count(*) AS n FROM ({parts}) GROUP BY story_id"
            f" ORDER BY n DESC, story_id DESC LIMIT {MAX_STORIES + len(exclude)}",
            params,
        )
        if row[0] not in exclude
    ]
    return list(profiles(conn, ids[:MAX_STORIES], cache).values())


def profiles(
    conn: sqlite3.Connection, story_ids: Sequence[int], cache: ProfileCache | None = None
) -> dict[int, StoryProfile]:
    """The stored profiles of `story_ids` (shared with `cache` when given: copy to change)."""
    if not story_ids:
        return {}
    marks = ",".join("?" * len(story_ids))
    rows = conn.execute(
        f"SELECT story_id, profile FROM story_profiles WHERE story_id IN ({marks})",
        list(story_ids),
    )
    if cache is None:
        return {sid: StoryProfile.from_json(sid, text) for sid, text in rows}
    return {sid: cache.get(sid, text) for sid, text in rows}


def save(conn: sqlite3.Connection, p: StoryProfile, cache: ProfileCache | None = None) -> None:
    """Write the profile and file the story under its keys at its latest member's time."""
    text = p.to_json()
    conn.execute(
        "INSERT INTO story_profiles(story_id, first_ts, last_ts, profile) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(story_id) DO UPDATE SET first_ts = excluded.first_ts,"
        " last_ts = excluded.last_ts, profile = excluded.profile",
        (p.story_id, int(p.first_ts), int(p.last_ts), text),
    )
    if cache is not None:
        cache.put(p.story_id, text, p)
    conn.executemany(
        "INSERT INTO story_keys(key, story_id, ts) VALUES (?, ?, ?)"
        " ON CONFLICT(key, story_id) DO UPDATE SET ts = max(ts, excluded.ts)",
        [(key64(k), p.story_id, int(p.last_ts)) for k in p.index_keys()],
    )


def merge(
    conn: sqlite3.Connection, into: StoryProfile, other: StoryProfile, by_item: int, ts: int
) -> None:
    """Merge story `other` into `into` (whose profile the caller has updated and saves), as
    the report `by_item` showed them one at POSIX second `ts`: its items (the merge recorded
    in `storage.merges`), topics, outlets and languages move; the earlier of the two
    representatives and first sightings stays; it is kept as a pointer (`merged_into`), with
    the stories merged into it before now pointing at `into` too."""
    merges.record(conn, other.story_id, into.story_id, by_item, ts)
    conn.execute(
        "INSERT OR IGNORE INTO story_topics(story_id, topic, first_at)"
        " SELECT ?, topic, first_at FROM story_topics WHERE story_id = ?",
        (into.story_id, other.story_id),
    )
    cols = (
        "sources, languages, entities, item_count, last_seen, first_seen, rep_item_id, title,"
        " url, source, lang, published"
    )
    rows = {
        r[0]: r[1:]
        for r in conn.execute(
            f"SELECT id, {cols} FROM stories WHERE id IN (?, ?)", (into.story_id, other.story_id)
        )
    }
    mine, theirs = rows[into.story_id], rows[other.story_id]
    older = theirs if theirs[5] < mine[5] else mine  # the representative of the earlier one
    lists = [json.loads(x) for x in mine[:3]]
    for i, x in enumerate(theirs[:3]):
        lists[i] += [v for v in json.loads(x) if v not in lists[i]]
    conn.execute(
        "UPDATE stories SET sources = ?, languages = ?, entities = ?, item_count = ?,"
        " last_seen = max(last_seen, ?), first_seen = ?, rep_item_id = ?, title = ?, url = ?,"
        " source = ?, lang = ?, published = ? WHERE id = ?",
        (
            json.dumps(lists[0], ensure_ascii=False), json.dumps(lists[1]),
            json.dumps(lists[2]), mine[3] + theirs[3], theirs[4], *older[5:], into.story_id,
        ),
    )  # fmt: skip
    conn.execute(
        "UPDATE stories SET merged_into = ?, item_count = 0 WHERE id = ? OR merged_into = ?",
        (into.story_id, other.story_id, other.story_id),
    )
    conn.execute("DELETE FROM story_profiles WHERE story_id = ?", (other.story_id,))
    conn.execute("DELETE FROM story_keys WHERE story_id = ?", (other.story_id,))


def add_fanout(
    conn: sqlite3.Connection, story_id: int, kind: str, topics: Sequence[str], at: str
) -> None:
    """Record what delivery owes for a story ('new' for `topics`, or 'grew')."""
    conn.execute(
        "INSERT INTO fanout(story_id, kind, topics, at) VALUES (?, ?, ?, ?)",
        (story_id, kind, json.dumps(list(topics)), at),
    )
