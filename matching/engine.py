"""Matching a document against compiled rules, with the explanation of every verdict.

Pure: text in, `MatchResult` out. The steps: normalise title and text with the one normaliser;
run the single automaton over the words; drop hits inside a `not_in` phrase and hits contained in
a longer hit of another entity ("Africa" inside "Africa Corps"); count ambiguous aliases only
when another entity of the same topic corroborates them; then per topic sum the weights of the
distinct terms found and check threshold, `require` groups, the `near` window and `exclude`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace

from config.model import Group, Rules, Term, Topic
from core.items import Item
from matching.compile import Compiled, Pattern
from matching.normalize import normalize
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
        hits = _resolve(raw_hits, blocks)
        if snippets and hits:
            hits = _with_snippets(hits, title, text, len(title_words))
        unambiguous = {h.entity for h in hits if h.entity and h.counted and not h.ambiguous}
        topic_results = tuple(
            self._topic(topic, hits, unambiguous) for topic in self.rules.topics.values()
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
        for end, (length, patterns) in self.compiled.automaton.iter(joined):
            first = joined.count(" ", 0, end - length + 1)  # words before the key's space
            pattern: Pattern
            for pattern in patterns:
                last = first + pattern.words
                if pattern.role == "block":
                    blocks.append((pattern.owner, first, last))
                    continue
                hits.append(
                    Hit(
                        term=pattern.spelling,
                        entity=None if pattern.role == "keyword" else pattern.owner,
                        keyword=f"{pattern.owner}:{pattern.key}"
                        if pattern.role == "keyword"
                        else None,
                        lang=pattern.lang,
                        start=first,
                        end=last,
                        field="title" if first < n_title else "text",
                        matched=" ".join(words[first:last]),
                        ambiguous=pattern.role == "ambiguous",
                    )
                )
        return hits, blocks

    def _topic(self, topic: Topic, hits: list[Hit], unambiguous: set[str]) -> TopicResult:
        mine = self.compiled.topic_entities[topic.id]
        corroborating = {e for e in unambiguous if e in mine}
        topic_hits: list[Hit] = []
        for hit in hits:
            if hit.entity is not None and hit.entity in mine:
                doubtful = hit.counted and hit.ambiguous and hit.entity not in unambiguous
                if doubtful and not self._corroborated(hit.entity, corroborating):
                    hit = replace(hit, counted=False, why="ambiguous, not corroborated")
                topic_hits.append(hit)
            elif hit.keyword is not None and hit.keyword.startswith(f"{topic.id}:"):
                topic_hits.append(hit)
        found: dict[str, list[int]] = defaultdict(list)
        for hit in topic_hits:
            if hit.counted:
                key = hit.entity or (hit.keyword or "").split(":", 1)[1]
                found[key].append(hit.start)
        scored = [t for t in topic.terms if t.key in found]
        score = sum(t.weight for t in scored)
        reasons: list[str] = []
        if score < topic.threshold:
            reasons.append(f"score {score:g} is below the threshold {topic.threshold:g}")
        missing = [g for g in topic.require if not _holds(g, found)]
        for group in missing:
            reasons.append(f"required group missing: none of {_names(group.members)}")
        if not missing and topic.near_words is not None and topic.require:
            span = _window(topic.require, found)
            if span > topic.near_words:
                reasons.append(
                    f"required groups are {span} words apart, outside the window of "
                    f"{topic.near_words}"
                )
        for group in topic.exclude:
            present = [t.key for t in group.members if t.key in found]
            if present:
                reasons.append(f"excluded: found {', '.join(present)}")
        return TopicResult(
            id=topic.id,
            matched=not reasons,
            score=score,
            threshold=topic.threshold,
            hits=tuple(topic_hits),
            reasons=tuple(reasons),
            terms=tuple(t.key for t in scored),
        )

    def _corroborated(self, entity: str, present: set[str]) -> bool:
        allowed = self.rules.entities[entity].corroborated_by
        others = present - {entity}
        return bool(others & set(allowed)) if allowed else bool(others)


def _holds(group: Group, found: dict[str, list[int]]) -> bool:
    return any(t.key in found for t in group.members)


def _names(terms: Iterable[Term]) -> str:
    return ", ".join(t.key for t in terms)


def _window(groups: tuple[Group, ...], found: dict[str, list[int]]) -> int:
    """The smallest word span holding one hit of every group (sliding window)."""
    points = sorted(
        (pos, gi)
        for gi, group in enumerate(groups)
        for term in group.members
        for pos in found.get(term.key, ())
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


def _resolve(hits: list[Hit], blocks: list[tuple[str, int, int]]) -> list[Hit]:
    """Mark hits that don't count: inside a `not_in` phrase, or inside a longer entity hit."""
    if not hits:
        return hits
    entity_spans = [(h.start, h.end, h.entity) for h in hits if h.entity]
    out: list[Hit] = []
    seen: set[tuple[str | None, str | None, int]] = set()
    for hit in sorted(hits, key=lambda h: (h.start, -(h.end - h.start))):
        ident = (hit.entity, hit.keyword, hit.start)
        if ident in seen:
            continue
        seen.add(ident)
        if hit.entity:
            blocker = next(
                (b for b in blocks if b[0] == hit.entity and b[1] <= hit.start and hit.end <= b[2]),
                None,
            )
            if blocker:
                hit = replace(hit, counted=False, why="inside a not_in phrase of this entity")
            else:
                longer = next(
                    (
                        e
                        for s, t, e in entity_spans
                        if e != hit.entity
                        and s <= hit.start
                        and hit.end <= t
                        and (t - s) > (hit.end - hit.start)
                    ),
                    None,
                )
                if longer:
                    hit = replace(hit, counted=False, why=f"part of a longer match ({longer})")
        out.append(hit)
    return out


def _with_snippets(hits: list[Hit], title: str, text: str, n_title: int) -> list[Hit]:
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
