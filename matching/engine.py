"""Matching a document against compiled rules, with the explanation of every verdict.

Pure: text in, `MatchResult` out. The steps: normalise title and text with the one normaliser;
run the single automaton over the words; drop hits inside a `not_in` phrase and hits contained in
a longer hit of another entity of the same layer ("Africa" inside "Africa Corps"; entities of
kind event are a layer of their own); count ambiguous aliases only when another entity of the
same topic corroborates them; then per topic sum the weights of the distinct terms found and
check threshold, `require` groups, the `near` window and `exclude`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from config.model import Rules, Topic
from core.items import Item
from core.text import normalize
from matching.compile import Compiled, Pattern
from matching.result import Hit, MatchResult, TopicResult

SNIPPET_WORDS = 6


class Matcher:
    """Compiled rules, ready to match any number of documents (thread-safe, read-only)."""

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self.rules = compiled.rules

    @classmethod
    def from_rules(cls, rules: Rules) -> Matcher:
        return cls(Compiled(rules))

    def match_item(self, item: Item, snippets: bool = False) -> MatchResult:
        return self.match(item.guid or item.url, item.title, item.body, snippets=snippets)

    def match(self, doc_id: str, title: str, text: str, snippets: bool = False) -> MatchResult:
        title_words = normalize(title).split()
        words = title_words + normalize(text).split()
        raw_hits, blocks = self._scan(words, len(title_words))
        hits = _resolve(raw_hits, blocks, self.compiled.events)
        if snippets and hits:
            hits = _with_snippets(hits, title, text)
        unambiguous = {h.entity for h in hits if h.entity and h.counted and not h.ambiguous}
        doubted: dict[int, Hit] = {}  # one uncorroborated copy of a hit, whatever the topic
        topic_results = tuple(
            self._topic(topic, hits, unambiguous, doubted) for topic in self.rules.topics.values()
        )
        entities = set(unambiguous)
        for result in topic_results:
            entities.update(h.entity for h in result.hits if h.entity and h.counted)
        ordered = tuple(e for e in self.rules.entities if e in entities)
        return MatchResult(doc_id, topic_results, ordered, tuple(hits))

    def _scan(self, words: list[str], n_title: int) -> tuple[list[Hit], list[tuple[str, int, int]]]:
        """Every automaton hit as a Hit, plus the `not_in` spans (entity, start, end)."""
        if not words or not self.compiled.size:
            return [], []
        joined = " " + " ".join(words) + " "
        hits: list[Hit] = []
        blocks: list[tuple[str, int, int]] = []
        seen: set[tuple[str, int]] = set()
        for end, (length, patterns) in self.compiled.automaton.iter(joined):
            first = joined.count(" ", 0, end - length + 1)  # words before the key's space
            pattern: Pattern
            for pattern in patterns:
                last = first + pattern.words
                if pattern.role == "block":
                    blocks.append((pattern.owner, first, last))
                    continue
                ident = (pattern.hit_owner, first)
                if ident in seen:  # the same thing found twice at one place (two spellings)
                    continue
                seen.add(ident)
                hits.append(
                    Hit(
                        pattern.spelling,
                        pattern.entity,
                        pattern.keyword,
                        pattern.lang,
                        first,
                        last,
                        "title" if first < n_title else "text",
                        " ".join(words[first:last]),
                        "",
                        pattern.role == "ambiguous",
                    )
                )
        return hits, blocks

    def _topic(
        self, topic: Topic, hits: list[Hit], unambiguous: set[str], doubted: dict[int, Hit]
    ) -> TopicResult:
        plan = self.compiled.plans[topic.id]
        corroborating = unambiguous & plan.entities
        topic_hits: list[Hit] = []
        found: dict[str, list[int]] = {}
        for hit in hits:
            owner = hit.entity or hit.keyword
            if owner not in plan.owners:
                continue
            if (
                hit.ambiguous
                and hit.counted
                and owner not in unambiguous
                and not self._corroborated(owner, corroborating)
            ):
                copy = doubted.get(id(hit))  # `hits` outlives the match: ids stay unique
                if copy is None:
                    copy = replace(hit, counted=False, why="ambiguous, not corroborated")
                    doubted[id(hit)] = copy
                hit = copy
            topic_hits.append(hit)
            if hit.counted:
                found.setdefault(plan.key_of[owner], []).append(hit.start)
        scored = [key for key in plan.weights if key in found]
        score = sum(plan.weights[key] for key in scored)
        reasons: list[str] = []
        if score < topic.threshold:
            reasons.append(f"score {score:g} is below the threshold {topic.threshold:g}")
        missing = [g for g in plan.require if found.keys().isdisjoint(g)]
        for group in missing:
            reasons.append(plan.missing[group])
        if not missing and topic.near_words is not None and plan.require:
            span = _window(plan.require, found)
            if span > topic.near_words:
                reasons.append(
                    f"required groups are {span} words apart, outside the window of "
                    f"{topic.near_words}"
                )
        for group in plan.exclude:
            present = [key for key in group if key in found]
            if present:
                reasons.append(f"excluded: found {', '.join(present)}")
        return TopicResult(
            id=topic.id,
            matched=not reasons,
            score=score,
            threshold=topic.threshold,
            hits=tuple(topic_hits),
            reasons=tuple(reasons),
            terms=tuple(scored),
        )

    def _corroborated(self, entity: str, present: set[str]) -> bool:
        allowed = self.rules.entities[entity].corroborated_by
        others = present - {entity}
        return bool(others & set(allowed)) if allowed else bool(others)


def _window(groups: Sequence[tuple[str, ...]], found: dict[str, list[int]]) -> int:
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


def _resolve(
    hits: list[Hit], blocks: list[tuple[str, int, int]], events: frozenset[str]
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


def _with_snippets(hits: list[Hit], title: str, text: str) -> list[Hit]:
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
