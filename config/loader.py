"""Loading rules.yaml: every problem reported at once as `FILE:LINE:COLUMN: message`.

`parse_rules(text, path)` returns a valid `Rules` or raises `RulesError` listing every issue:
YAML syntax, unknown keys (with "did you mean"), duplicate ids, empty alias lists, bad weights and
thresholds, topics naming unknown entities, bad sources. Nothing is half-loaded.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from yaml.nodes import MappingNode, Node

from config import sections
from config.model import ENTITY_KINDS, Entity, Group, Rules, Term, Topic
from config.yamlnodes import Reader, compose, did_you_mean
from core.errors import RulesError, RulesIssue
from core.text import MIN_STEM, normalize

TOP_KEYS = ("version", "entities", "topics", "sources", "fetch", "delivery", "access", "stories")
ENTITY_KEYS = ("kind", "label", "aliases", "ambiguous", "not_in", "corroborated_by", "within")
TOPIC_KEYS = ("title", "alert", "threshold", "terms", "require", "near", "exclude")


def load_rules(path: str | Path) -> Rules:
    """Read and validate a rules file; RulesError if it is missing or invalid."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesError([RulesIssue(name, 1, 1, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesError([RulesIssue(name, 1, 1, f"cannot read the file: {exc}")]) from None
    return parse_rules(text, name)


def parse_rules(text: str, path: str = "rules.yaml") -> Rules:
    root, issues = compose(text, path)
    if issues:
        raise RulesError(issues)
    reader = Reader(path)
    if root is None:
        raise RulesError(
            [RulesIssue(path, 1, 1, "the file is empty: it needs entities and topics")]
        )
    top = reader.mapping(root, "the file", TOP_KEYS)
    if top is None:
        raise RulesError(reader.issues)
    if "version" in top:
        version = reader.text(top["version"][1], "version")
        if version is not None and version != "1":
            reader.error(top["version"][1], f"version {version} is not supported (only 1)")
    entities = _entities(reader, top["entities"][1]) if "entities" in top else {}
    if "entities" not in top:
        reader.error(root, "missing 'entities:' section")
    if "topics" not in top:
        reader.error(root, "missing 'topics:' section")
    topics = _topics(reader, top["topics"][1], entities) if "topics" in top else {}
    rules = Rules(
        path=path,
        entities=entities,
        topics=topics,
        sources=sections.sources(reader, top["sources"][1]) if "sources" in top else (),
        fetch=sections.fetch(reader, top.get("fetch")),
        delivery=sections.delivery(reader, top.get("delivery"), topics),
        access=sections.access(reader, top.get("access")),
        stories=sections.stories(reader, top.get("stories")),
    )
    if reader.issues:
        raise RulesError(reader.issues)
    return rules


def _spellings(reader: Reader, node: Node, what: str) -> dict[str, tuple[str, ...]]:
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


def _entities(reader: Reader, node: Node) -> dict[str, Entity]:
    entries = reader.mapping(node, "entities")
    out: dict[str, Entity] = {}
    corroborations: dict[str, Node] = {}
    containers: dict[str, Node] = {}
    for eid, (key_node, value_node) in (entries or {}).items():
        if reader.ident(key_node, "entity id") is None:
            continue
        fields = reader.mapping(value_node, f"entity '{eid}'", ENTITY_KEYS)
        if fields is None:
            continue
        kind = "other"
        if "kind" in fields:
            kind = reader.choice(fields["kind"][1], f"entity '{eid}': kind", ENTITY_KINDS) or kind
        labels = _labels(reader, fields.get("label"), f"entity '{eid}': label")
        aliases, ambiguous, not_in = (
            _spellings(reader, fields[key][1], f"entity '{eid}': {key}") if key in fields else {}
            for key in ("aliases", "ambiguous", "not_in")
        )
        if not aliases and not ambiguous and "aliases" not in fields:
            reader.error(key_node, f"entity '{eid}' has no aliases: add 'aliases: {{en: [...]}}'")
        out[eid] = Entity(eid, kind, labels, aliases, ambiguous, not_in)
        if "corroborated_by" in fields:
            corroborations[eid] = fields["corroborated_by"][1]
        if "within" in fields:
            containers[eid] = fields["within"][1]
    # Resolved once every entity is known: a list may name an entity defined further down.
    for eid, node in corroborations.items():
        what = f"entity '{eid}': corroborated_by"
        refs = [
            ref
            for item in reader.sequence(node, what) or []
            if (ref := _entity_ref(reader, item, out, what))
        ]
        if not out[eid].ambiguous:
            reader.error(node, f"{what} needs 'ambiguous:' spellings")
        out[eid] = replace(out[eid], corroborated_by=tuple(refs))
    for eid, node in containers.items():
        what = f"entity '{eid}': within"
        ref = _entity_ref(reader, node, out, what)
        if ref is None:
            continue
        if out[eid].kind != "place" or out[ref].kind != "place":
            reader.error(
                node, f"{what}: only a place lies within a place ('{ref}' is {out[ref].kind})"
            )
        elif ref == eid or _contains(out, eid, ref):
            reader.error(node, f"{what}: '{ref}' lies within '{eid}' already (a loop)")
        else:
            out[eid] = replace(out[eid], within=ref)
    return out


def _contains(entities: dict[str, Entity], outer: str, inner: str) -> bool:
    """Whether `inner` lies (through `within` links already set) inside `outer`."""
    seen: set[str] = set()
    while inner and inner not in seen:
        seen.add(inner)
        inner = entities[inner].within
        if inner == outer:
            return True
    return False


def _labels(reader: Reader, entry: tuple[Node, Node] | None, what: str) -> dict[str, str]:
    if entry is None:
        return {}
    fields = reader.mapping(entry[1], what)
    out: dict[str, str] = {}
    for lang, (_, value_node) in (fields or {}).items():
        value = reader.text(value_node, f"{what}.{lang}")
        if value is not None:
            out[lang] = value
    return out


def _topics(reader: Reader, node: Node, entities: dict[str, Entity]) -> dict[str, Topic]:
    entries = reader.mapping(node, "topics")
    out: dict[str, Topic] = {}
    for tid, (key_node, value_node) in (entries or {}).items():
        if reader.ident(key_node, "topic id") is None:
            continue
        where = f"topic '{tid}'"
        fields = reader.mapping(value_node, where, TOPIC_KEYS)
        if fields is None:
            continue
        for needed in ("terms", "threshold"):
            if needed not in fields:
                reader.error(key_node, f"{where} has no '{needed}:'")
        alert = "digest"
        if "alert" in fields:
            alert = (
                reader.choice(fields["alert"][1], f"{where}: alert", ("instant", "digest")) or alert
            )
        threshold = (
            reader.number(fields["threshold"][1], f"{where}: threshold")
            if "threshold" in fields
            else None
        )
        before = len(reader.issues)
        terms = _terms(reader, fields["terms"][1], entities, where) if "terms" in fields else ()
        terms_ok = len(reader.issues) == before
        near = None
        if "near" in fields:
            near_fields = reader.mapping(fields["near"][1], f"{where}: near", ("words",))
            if near_fields and "words" in near_fields:
                near = reader.integer(near_fields["words"][1], f"{where}: near.words")
            elif near_fields is not None:
                reader.error(fields["near"][1], f"{where}: near needs 'words: N'")
        require = _groups(reader, fields.get("require"), entities, f"{where}: require")
        exclude = _groups(reader, fields.get("exclude"), entities, f"{where}: exclude")
        if near is not None and len(require) < 2:
            reader.error(fields["near"][1], f"{where}: near needs at least two 'require' groups")
        if (
            terms_ok
            and threshold is not None
            and terms
            and threshold > sum(t.weight for t in terms)
        ):
            reader.error(
                fields["threshold"][1],
                f"{where}: threshold {threshold:g} can never be reached: the weights add up to "
                f"{sum(t.weight for t in terms):g}",
            )
        title = _labels(reader, fields.get("title"), f"{where}: title")
        out[tid] = Topic(
            tid,
            title,
            "instant" if alert == "instant" else "digest",
            threshold or 1.0,
            terms,
            require,
            near,
            exclude,
        )
    return out


def _entity_ref(reader: Reader, node: Node, entities: dict[str, Entity], what: str) -> str | None:
    eid = reader.text(node, what)
    if eid is None:
        return None
    if eid not in entities:
        reader.error(node, f"{what}: unknown entity '{eid}'{did_you_mean(eid, entities)}")
        return None
    return eid


def _keyword(reader: Reader, node: Node, what: str) -> Term | None:
    spellings = _spellings(reader, node, what)
    if not spellings:
        return None
    first = next(iter(spellings.values()))[0]
    return Term(weight=1.0, keyword=spellings, key=f"kw:{first}")


def _terms(reader: Reader, node: Node, entities: dict[str, Entity], where: str) -> tuple[Term, ...]:
    items = reader.sequence(node, f"{where}: terms")
    if items is not None and not items:
        reader.error(node, f"{where}: terms is an empty list")
    out: list[Term] = []
    seen: dict[str, Node] = {}
    for item in items or []:
        fields = reader.mapping(item, f"{where}: a term", ("entity", "keyword", "weight"))
        if fields is None:
            continue
        if ("entity" in fields) == ("keyword" in fields):
            reader.error(
                item, f"{where}: a term names either 'entity:' or 'keyword:' (one of them)"
            )
            continue
        if "weight" not in fields:
            reader.error(item, f"{where}: a term needs 'weight:' (a number above 0)")
            continue
        weight = reader.number(fields["weight"][1], f"{where}: weight")
        term: Term | None
        if "entity" in fields:
            eid = _entity_ref(reader, fields["entity"][1], entities, f"{where}: term")
            term = Term(weight=weight or 1.0, entity=eid, key=eid) if eid else None
        else:
            term = _keyword(reader, fields["keyword"][1], f"{where}: keyword")
        if term is None or weight is None:
            continue
        term = Term(weight=weight, entity=term.entity, keyword=term.keyword, key=term.key)
        if term.key in seen:
            reader.error(item, f"{where}: term '{term.key}' is listed twice")
            continue
        seen[term.key] = item
        out.append(term)
    return tuple(out)


def _groups(
    reader: Reader, entry: tuple[Node, Node] | None, entities: dict[str, Entity], where: str
) -> tuple[Group, ...]:
    if entry is None:
        return ()
    items = reader.sequence(entry[1], where)
    out: list[Group] = []
    for item in items or []:
        fields = reader.mapping(item, f"{where}: a group", ("any",))
        if fields is None:
            continue
        if "any" not in fields:
            reader.error(item, f"{where}: a group is written 'any: [...]'")
            continue
        members_node = fields["any"][1]
        members = reader.sequence(members_node, f"{where}: any")
        if members is not None and not members:
            reader.error(members_node, f"{where}: 'any' is an empty list")
        terms: list[Term] = []
        for member in members or []:
            if isinstance(member, MappingNode):
                kw = reader.mapping(member, f"{where}: a keyword member", ("keyword",))
                term = (
                    _keyword(reader, kw["keyword"][1], f"{where}: keyword")
                    if kw and "keyword" in kw
                    else None
                )
                if kw is not None and "keyword" not in kw:
                    reader.error(member, f"{where}: a member is an entity id or 'keyword: {{...}}'")
            else:
                eid = _entity_ref(reader, member, entities, where)
                term = Term(weight=1.0, entity=eid, key=eid) if eid else None
            if term is not None:
                terms.append(term)
        if terms:
            out.append(Group(tuple(terms)))
    return tuple(out)
