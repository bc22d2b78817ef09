"""The `entities` section of rules.yaml: spellings checked one by one, ambiguity and its
corroboration, groups (`members`/`at_least`) and the place a place lies in (`within`),
resolved once every entity is known.

Each function reads nodes with a `Reader`, which records every problem located at
FILE:LINE:COLUMN; the topics (`config.loader`) refer to the entities read here.
"""

from __future__ import annotations

from yaml.nodes import Node

from config.model import ENTITY_KINDS, Entity
from config.yamlnodes import Reader, did_you_mean
from core.text import MIN_STEM, normalize

ENTITY_KEYS = (
    "kind",
    "label",
    "aliases",
    "ambiguous",
    "not_in",
    "corroborated_by",
    "members",
    "at_least",
    "within",
)


def read_spellings(reader: Reader, node: Node, what: str) -> dict[str, tuple[str, ...]]:
    """Per-language spellings, each checked: not empty once normalised, `*` only at the end."""
    entries = reader.per_language(node, what)
    out: dict[str, tuple[str, ...]] = {}
    for lang, values in (entries or {}).items():
        kept: list[str] = []
        for value_node, value in values:
            if check_spelling(reader, value_node, value, f"{what}.{lang}"):
                kept.append(value)
        if kept:
            out[lang] = tuple(kept)
    return out


def check_spelling(reader: Reader, node: Node, value: str, what: str) -> bool:
    stem = value[:-1] if value.endswith("*") else value
    if "*" in stem:
        reader.error(node, f"{what}: '{value}': '*' is only allowed at the very end of a term")
        return False
    normal = normalize(stem)
    if not normal:
        reader.error(node, f"{what}: '{value}' has no letters or digits left after normalisation")
        return False
    if value.endswith("*") and len(normal.split()[-1]) < MIN_STEM:
        reader.error(
            node, f"{what}: '{value}': a wildcard needs at least {MIN_STEM} letters before '*'"
        )
        return False
    return True


def read_entities(reader: Reader, node: Node) -> dict[str, Entity]:
    entries = reader.mapping(node, "entities")
    out: dict[str, Entity] = {}
    corroborations: dict[str, Node] = {}
    containers: dict[str, Node] = {}
    groups: dict[str, dict[str, tuple[Node, Node]]] = {}
    for eid, (key_node, value_node) in (entries or {}).items():
        if reader.ident(key_node, "entity id") is None:
            continue
        fields = reader.mapping(value_node, f"entity '{eid}'", ENTITY_KEYS)
        if fields is None:
            continue
        kind = "other"
        if "kind" in fields:
            kind = reader.choice(fields["kind"][1], f"entity '{eid}': kind", ENTITY_KINDS) or kind
        labels = read_labels(reader, fields.get("label"), f"entity '{eid}': label")
        aliases, ambiguous, not_in = (
            read_spellings(reader, fields[key][1], f"entity '{eid}': {key}")
            if key in fields
            else {}
            for key in ("aliases", "ambiguous", "not_in")
        )
        if not aliases and not ambiguous and "aliases" not in fields and "members" not in fields:
            reader.error(key_node, f"entity '{eid}' has no aliases: add 'aliases: {{en: [...]}}'")
        out[eid] = Entity(eid, kind, labels, aliases, ambiguous, not_in)
        if "corroborated_by" in fields:
            corroborations[eid] = fields["corroborated_by"][1]
        if "within" in fields:
            containers[eid] = fields["within"][1]
        if "members" in fields or "at_least" in fields:
            groups[eid] = fields
    # Resolved once every entity is known: a list may name an entity defined further down.
    for eid, node in corroborations.items():
        what = f"entity '{eid}': corroborated_by"
        refs = [
            ref
            for item in reader.sequence(node, what) or []
            if (ref := entity_ref(reader, item, out, what))
        ]
        if not out[eid].ambiguous:
            reader.error(node, f"{what} needs 'ambiguous:' spellings")
        out[eid] = out[eid]._replace(corroborated_by=tuple(refs))
    for eid, fields in groups.items():
        _group_entity(reader, eid, fields, out, groups)
    for eid, node in containers.items():
        _within(reader, eid, node, out)
    return out


def _within(reader: Reader, eid: str, node: Node, entities: dict[str, Entity]) -> None:
    """`within: libya`: the place `eid` lies in (a place, and no loop)."""
    what = f"entity '{eid}': within"
    ref = entity_ref(reader, node, entities, what)
    if ref is None:
        return
    if entities[eid].kind != "place" or entities[ref].kind != "place":
        reader.error(
            node, f"{what}: only a place lies within a place ('{ref}' is {entities[ref].kind})"
        )
    elif ref == eid or _contains(entities, eid, ref):
        reader.error(node, f"{what}: '{ref}' lies within '{eid}' already (a loop)")
    else:
        entities[eid] = entities[eid]._replace(within=ref)


def _contains(entities: dict[str, Entity], outer: str, inner: str) -> bool:
    """Whether `inner` lies (through `within` links already set) inside `outer`."""
    seen: set[str] = set()
    while inner and inner not in seen:
        seen.add(inner)
        inner = entities[inner].within
        if inner == outer:
            return True
    return False


def _group_entity(
    reader: Reader,
    eid: str,
    fields: dict[str, tuple[Node, Node]],
    entities: dict[str, Entity],
    groups: dict[str, dict[str, tuple[Node, Node]]],
) -> None:
    """`members:` and `at_least:` of entity `eid`, checked once every entity is known."""
    what = f"entity '{eid}'"
    if "members" not in fields:
        reader.error(fields["at_least"][0], f"{what}: at_least needs 'members:'")
        return
    node = fields["members"][1]
    members: list[str] = []
    before = len(reader.issues)
    for item in reader.sequence(node, f"{what}: members") or []:
        ref = entity_ref(reader, item, entities, f"{what}: members")
        if ref is None:
            continue
        if ref == eid or ref in members:
            reader.error(item, f"{what}: members: '{ref}' is listed twice or is the entity itself")
        elif ref in groups and "members" in groups[ref]:
            reader.error(item, f"{what}: members: '{ref}' has members itself (groups do not nest)")
        else:
            members.append(ref)
    if len(reader.issues) > before:
        return  # one error a mistake: the count is checked once the members are right
    if len(members) < 2:
        reader.error(node, f"{what}: members needs at least two other entities")
        return
    at_least = len(members)
    if "at_least" in fields:
        value = reader.integer(fields["at_least"][1], f"{what}: at_least")
        if value is not None and value > len(members):
            reader.error(
                fields["at_least"][1],
                f"{what}: at_least {value} is more than its {len(members)} members",
            )
        elif value is not None:
            at_least = value
    entities[eid] = entities[eid]._replace(members=tuple(members), at_least=at_least)


def read_labels(reader: Reader, entry: tuple[Node, Node] | None, what: str) -> dict[str, str]:
    """A name per language (`label`, a topic's `title`); a language the monitor does not
    know is kept, with a warning (it is never shown)."""
    if entry is None:
        return {}
    fields = reader.mapping(entry[1], what)
    out: dict[str, str] = {}
    for lang, (key_node, value_node) in (fields or {}).items():
        reader.language(key_node, lang, what)
        value = reader.text(value_node, f"{what}.{lang}")
        if value is not None:
            out[lang] = value
    return out


def entity_ref(reader: Reader, node: Node, entities: dict[str, Entity], what: str) -> str | None:
    eid = reader.text(node, what)
    if eid is None:
        return None
    if eid not in entities:
        reader.error(node, f"{what}: unknown entity '{eid}'{did_you_mean(eid, entities)}")
        return None
    return eid
