"""The clustering index (`cluster_keys`): filing a report under its keys, and finding a new
report's candidates, the stored reports it may be a copy of, by lookup, never by a scan
(`stories.cluster.decide` then picks among them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from stories.cluster import MIN_SHARED, Features

MAX_CANDIDATES = 50  # per kind of key
SAME_LANGUAGE_BY_ENTITY = 10  # same-language reports found by entity pairs alone


def file_cluster_keys(
    conn: sqlite3.Connection, item_id: int, keys: Sequence[int], ts: float
) -> None:
    """File `item_id` under its clustering `keys`, at the report's time `ts`."""
    conn.executemany(
        "INSERT OR IGNORE INTO cluster_keys(key, item_id, ts) VALUES (?, ?, ?)",
        [(k, item_id, int(ts)) for k in keys],
    )


def candidates(
    conn: sqlite3.Connection,
    lsh: Sequence[int],
    ents: Sequence[int],
    ts: float,
    lang: str,
    window_hours: float,
) -> list[Features]:
    """Stored reports that share an LSH band, or at least MIN_SHARED entity pairs, with the
    new one, within the clustering window of its time.

    Entity pairs find reports of one event in another language; a report in the same
    language that shares no LSH band is rarely a near-duplicate (a pair at Jaccard 0.55
    shares a band with probability ~0.95), so only the SAME_LANGUAGE_BY_ENTITY of those that
    share most pairs are compared: a hub pair (libya|russia) files thousands of reports."""
    window = window_hours * 3600
    span = (int(ts - window), int(ts + window))
    found: list[list[int]] = []
    # Counted in SQL: a hub entity pair may file thousands of recent items.
    for keys, least in ((lsh, 1), (ents, MIN_SHARED)):
        if len(keys) < least:
            found.append([])
            continue
        marks = ",".join("?" * len(keys))
        found.append(
            [
                r[0]
                for r in conn.execute(
                    f"SELECT item_id FROM cluster_keys WHERE key IN ({marks})"
                    " AND ts BETWEEN ? AND ? GROUP BY item_id HAVING count(*) >= ?"
                    " ORDER BY count(*) DESC, item_id DESC LIMIT ?",
                    [*keys, *span, least, MAX_CANDIDATES],
                )
            ]
        )
    by_lsh, by_entity = found
    ids = list(dict.fromkeys(by_lsh + by_entity))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {
        iid: (sid, text, item_lang)
        for iid, sid, text, item_lang in conn.execute(
            "SELECT i.id, si.story_id, i.features, i.lang FROM items i"
            f" JOIN story_items si ON si.item_id = i.id WHERE i.id IN ({marks})",
            ids,
        )
    }
    lsh_ids, same_language = set(by_lsh), 0
    chosen = []
    for iid in ids:  # LSH candidates first, then by shared entity pairs
        if iid not in rows:
            continue
        sid, text, item_lang = rows[iid]
        if iid not in lsh_ids and item_lang == lang:
            same_language += 1
            if same_language > SAME_LANGUAGE_BY_ENTITY:
                continue
        chosen.append(Features.from_json(iid, sid, text))
    return chosen
