"""Human-readable explanation of a MatchResult: verdict, score, every hit, why a topic missed."""

from __future__ import annotations

from config.model import Rules
from matching.result import Hit, MatchResult


def _hit_line(hit: Hit, rules: Rules) -> str:
    what = f"entity {hit.entity}" if hit.entity else f"keyword {hit.keyword}"
    label = f" ({rules.entities[hit.entity].label('en')})" if hit.entity in rules.entities else ""
    flags = []
    if hit.ambiguous:
        flags.append("ambiguous")
    if not hit.counted:
        flags.append(f"not counted: {hit.why}")
    extra = f" [{'; '.join(flags)}]" if flags else ""
    snippet = f"\n        “{hit.snippet}”" if hit.snippet else ""
    return (
        f"    - '{hit.term}' [{hit.lang}] -> {what}{label} at word {hit.start} in {hit.field}"
        f" matched '{hit.matched}'{extra}{snippet}"
    )


def render(result: MatchResult, rules: Rules) -> str:
    """The text `explain` prints for one document."""
    lines = [f"== {result.doc_id}"]
    names = [f"{e} ({rules.entities[e].label('en')})" for e in result.entities]
    lines.append(f"  entities: {', '.join(names) if names else '(none)'}")
    for topic in result.topics:
        verdict = "MATCH" if topic.matched else ("near miss" if topic.hits else "no match")
        lines.append(
            f"  topic {topic.id}: {verdict}, score {topic.score:g} / threshold {topic.threshold:g}"
        )
        if topic.terms:
            lines.append(f"    terms scored: {', '.join(topic.terms)}")
        for hit in topic.hits:
            lines.append(_hit_line(hit, rules))
        if topic.hits:
            for reason in topic.reasons:
                lines.append(f"    why not: {reason}")
            for note in topic.notes:
                lines.append(f"    note: {note}")
    return "\n".join(lines)
