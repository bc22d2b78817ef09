"""Word spans of hits: `not_in` phrases and longer matches that hide a hit, the smallest window
holding every `require` group, and where a hit lies in the original text with the original
words around it. Functions over the matcher's hits (word positions in the normalised title +
text); the two that mark hits change only the hits of the match that is being made."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from core.text import Span, word_spans
from matching.result import Hit

SNIPPET_WORDS = 6


def window(groups: Sequence[tuple[str, ...]], found: dict[str, list[int]]) -> int:
    """The smallest word span holding one hit of every group (sliding window)."""
    keys = found.keys()
    points = sorted(  # each group's keys found: a set operation, not a look-up a key
        (pos, gi) for gi, group in enumerate(groups) for key in keys & group for pos in found[key]
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


def attach_snippets(hits: list[Hit], title: str, text: str, n_title: int, n_words: int) -> None:
    """Give each hit (this match's own objects) where its words lie in its field's original
    text (`chars`) and the original words around it (`snippet`: SNIPPET_WORDS either side,
    within the field, "…" where it is cut). `n_title` and `n_words` count the normalised words
    of the title and of title + text. Offsets come from one scan of each field that has a hit
    (`core.text.word_spans`); nothing is normalised again."""
    spans: dict[bool, list[Span]] = {}
    for hit in hits:
        in_title = hit.field == "title"
        if in_title:
            raw, skip, count = title, 0, n_title
        else:
            raw, skip, count = text, n_title, n_words - n_title
        places = spans.get(in_title)
        if places is None:
            places = spans[in_title] = word_spans(raw, count)
        first = hit.start - skip
        if not 0 <= first < count:
            continue
        last = hit.end - skip
        last = (last if last < count else count) - 1
        lo = first - SNIPPET_WORDS if first > SNIPPET_WORDS else 0
        hi = last + SNIPPET_WORDS
        cut = hi < count - 1  # words after the snippet
        if not cut:
            hi = count - 1
        hit.chars = (places[first][0], places[last][1])
        cut_from, cut_to = places[lo][0], places[hi][1]
        while cut_from and not raw[cut_from - 1].isspace():  # whole pieces: "(Wagner)"
            cut_from -= 1
        end = len(raw)
        while cut_to < end and not raw[cut_to].isspace():
            cut_to += 1
        words = " ".join(raw[cut_from:cut_to].split())
        if lo:
            words = f"… {words}"
        hit.snippet = f"{words} …" if cut else words
