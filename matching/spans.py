"""Word spans of hits: `not_in` phrases and longer matches that hide a hit, the smallest window
holding every `require` group, and the snippet of original words around a hit. Pure functions
over the matcher's hits (word positions in the normalised title + text)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from core.text import normalize
from matching.result import Hit

SNIPPET_WORDS = 6


def window(groups: Sequence[tuple[str, ...]], found: dict[str, list[int]]) -> int:
    """The smallest word span holding one hit of every group (sliding window)."""
    points = sorted(
        (pos, gi) for gi, group in enumerate(groups) for key in group for pos in found.get(key, ())
    )
    need = len(groups)
    counts: dict[int, int] = defaultdict(int)
    have = 0
    best = 1 << 30
    left = 0
    for pos, gi in points:
        counts[gi] += 1
        if counts[gi] == 1:
            have += 1
        while have == need:
            best = min(best, pos - points[left][0])
            lgi = points[left][1]
            counts[lgi] -= 1
            if counts[lgi] == 0:
                have -= 1
            left += 1
    return best


def resolve(
    hits: list[Hit], blocks: list[tuple[str, int, int]], events: frozenset[str] = frozenset()
) -> list[Hit]:
    """Mark hits that don't count: inside a `not_in` phrase, or inside a longer entity hit of
    the same layer (`events`, the entities of kind event, are a layer of their own)."""
    if not hits:
        return hits
    # only a hit of two words or more can contain another one
    entity_spans = [
        (h.start, h.end, h.entity, h.entity in events)
        for h in hits
        if h.entity and h.end - h.start > 1
    ]
    out: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        if hit.entity:
            blocked = blocks and any(
                b[0] == hit.entity and b[1] <= hit.start and hit.end <= b[2] for b in blocks
            )
            # hits are this call's own objects: marking them in place is safe (and fast)
            if blocked:
                hit.counted, hit.why = False, "inside a not_in phrase of this entity"
            elif entity_spans:
                layer = hit.entity in events
                longer = next(
                    (
                        e
                        for s, t, e, event in entity_spans
                        if e != hit.entity
                        and event == layer
                        and s <= hit.start
                        and hit.end <= t
                        and (t - s) > (hit.end - hit.start)
                    ),
                    None,
                )
                if longer:
                    hit.counted, hit.why = False, f"part of a longer match ({longer})"
        out.append(hit)
    return out


def with_snippets(hits: list[Hit], title: str, text: str) -> list[Hit]:
    """Attach to each hit the original words around it (a few either side)."""
    chunks: list[str] = []
    owner: list[int] = []  # normalised word index -> raw chunk index
    for raw in (title, text):
        for chunk in raw.split():
            owner.extend([len(chunks)] * len(normalize(chunk).split()))
            chunks.append(chunk)
    out = []
    for hit in hits:
        if hit.start >= len(owner):
            out.append(hit)
            continue
        first = owner[hit.start]
        last = owner[min(hit.end, len(owner)) - 1]
        lo, hi = max(0, first - SNIPPET_WORDS), min(len(chunks), last + SNIPPET_WORDS + 1)
        snippet = " ".join(chunks[lo:hi])
        out.append(
            replace(
                hit, snippet=("… " if lo else "") + snippet + (" …" if hi < len(chunks) else "")
            )
        )
    return out
