"""The operational sections of rules.yaml: sources, fetch, delivery, access, stories.

Each function reads one section's node with a `Reader` (recording located issues) and returns
its typed form, falling back to the documented defaults of `config.model` for absent keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from yaml.nodes import Node, ScalarNode

from config.model import (
    INTERFACE_LANGS,
    LANGS,
    SOURCE_FIELDS,
    SOURCE_KINDS,
    Access,
    Delivery,
    Fetch,
    Source,
    Stories,
    Surge,
    Topic,
)
from config.yamlnodes import LANG_RE, Reader, did_you_mean

SOURCE_KEYS = ("name", "kind", *SOURCE_FIELDS, "every", "lang", "country", "full_text", "enabled")
_CHANNEL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,}$")
_HHMM_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(b|kb|mb|gb)?\s*$", re.IGNORECASE)
MAX_WORKERS = 32  # processes: more is a typo, not a plan
_SIZE_UNITS = {None: 1, "b": 1, "kb": 1000, "mb": 1000_000, "gb": 1000_000_000}


def url_ok(url: str) -> bool:
    """An absolute http(s) URL with a host and no spaces."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url


def sources(reader: Reader, node: Node) -> tuple[Source, ...]:
    items = reader.sequence(node, "sources")
    out: list[Source] = []
    names: dict[str, int] = {}
    for item in items or []:
        fields_ = reader.mapping(item, "a source", SOURCE_KEYS)
        if fields_ is None:
            continue
        name = reader.text(fields_["name"][1], "source name") if "name" in fields_ else None
        if "name" not in fields_:
            reader.error(item, "a source needs 'name:'")
        where = f"source '{name}'" if name else "a source"
        if name is not None:
            if name.lower() in names:
                reader.error(
                    fields_["name"][1],
                    f"duplicate source name '{name}' (first on line {names[name.lower()]})",
                )
            names[name.lower()] = item.start_mark.line + 1
        kind = (
            reader.choice(fields_["kind"][1], f"{where}: kind", SOURCE_KINDS)
            if "kind" in fields_
            else None
        )
        if "kind" not in fields_:
            reader.error(item, f"{where} needs 'kind:' ({', '.join(SOURCE_KINDS)})")
        every = (
            reader.duration(fields_["every"][1], f"{where}: every") if "every" in fields_ else None
        )
        if "every" not in fields_:
            reader.error(item, f"{where} needs 'every:' (e.g. 90s, 10m, 1h)")
        values: dict[str, Any] = {}
        for key in (*SOURCE_FIELDS, "lang", "country"):
            if key in fields_:
                values[key] = reader.text(fields_[key][1], f"{where}: {key}")
        for key in ("full_text", "enabled"):
            if key in fields_:
                values[key] = reader.boolean(fields_[key][1], f"{where}: {key}")
        if kind is not None:
            spec = SOURCE_KINDS[kind]
            if spec.reads not in fields_:
                reader.error(item, f"{where}: a {kind} source needs '{spec.reads}:'")
            for other in SOURCE_FIELDS:
                if other in fields_ and other != spec.reads and other not in spec.also:
                    reader.error(fields_[other][0], f"{where}: a {kind} source has no '{other}:'")
        if values.get("url") and not url_ok(values["url"]):
            reader.error(fields_["url"][1], f"{where}: '{values['url']}' is not an http(s) URL")
        if values.get("channel") and not _CHANNEL_RE.match(values["channel"].lstrip("@")):
            reader.error(
                fields_["channel"][1], f"{where}: '{values['channel']}' is not a channel name"
            )
        if values.get("lang") and not LANG_RE.match(values["lang"]):
            reader.error(
                fields_["lang"][1],
                f"{where}: lang '{values['lang']}' is not a code like {', '.join(LANGS)}",
            )
        if name is None or kind is None or every is None or None in values.values():
            continue
        if values.get("channel"):
            values["channel"] = values["channel"].lstrip("@")
        out.append(Source(name=name, kind=kind, every_s=every, **values))
    return tuple(out)


def _section(
    reader: Reader, entry: tuple[Node, Node] | None, name: str, default: Any
) -> tuple[Any, Mapping[str, tuple[Node, Node]]]:
    """The default object and the section's entries (empty when absent or invalid)."""
    if entry is None:
        return default, {}
    allowed = _allowed[name]
    return default, reader.mapping(entry[1], name, allowed) or {}


_allowed = {
    "fetch": (
        "user_agent",
        "connect_timeout",
        "read_timeout",
        "timeout",
        "max_bytes",
        "max_redirects",
        "per_host",
        "concurrency",
        "min_every",
        "max_every",
        "jitter",
        "failures_before_pause",
        "pause",
        "parse_workers",
    ),
    "delivery": (
        "default_topics",
        "default_mode",
        "daily_at",
        "timezone",
        "default_lang",
        "max_stories_per_digest",
    ),
    "access": ("mode", "admins", "allow"),
    "stories": ("window", "similarity", "event_score", "edit_within", "surge", "retention"),
}


def fetch(reader: Reader, entry: tuple[Node, Node] | None) -> Fetch:
    base, f = _section(reader, entry, "fetch", Fetch())
    changes: dict[str, Any] = {}
    if "user_agent" in f:
        changes["user_agent"] = reader.text(f["user_agent"][1], "fetch: user_agent")
    for key, attr in (
        ("connect_timeout", "connect_timeout_s"),
        ("read_timeout", "read_timeout_s"),
        ("timeout", "total_timeout_s"),
        ("min_every", "min_every_s"),
        ("max_every", "max_every_s"),
        ("pause", "pause_s"),
    ):
        if key in f:
            changes[attr] = reader.duration(f[key][1], f"fetch: {key}")
    for key in ("max_redirects", "per_host", "concurrency", "failures_before_pause"):
        if key in f:
            changes[key] = reader.integer(
                f[key][1], f"fetch: {key}", minimum=0 if key == "max_redirects" else 1
            )
    if "max_bytes" in f:
        changes["max_bytes"] = _size(reader, f["max_bytes"][1], "fetch: max_bytes")
    if "jitter" in f:
        jitter = reader.number(f["jitter"][1], "fetch: jitter", positive=False)
        if jitter is not None and not 0 <= jitter < 1:
            reader.error(f["jitter"][1], "fetch: jitter is a fraction between 0 and 1, e.g. 0.1")
        changes["jitter"] = jitter
    if "parse_workers" in f:
        changes["parse_workers"] = _workers(reader, f["parse_workers"][1], "fetch: parse_workers")
    result: Fetch = _apply(base, changes)
    if result.min_every_s > result.max_every_s and "min_every" in f:
        reader.error(f["min_every"][1], "fetch: min_every is longer than max_every")
    return result


def _workers(reader: Reader, node: Node, what: str) -> int | None:
    """A count of worker processes, 0 to MAX_WORKERS, or `auto` (None: the default)."""
    value = reader.text(node, what)
    if value is None or value.lower() == "auto":
        return None
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_WORKERS:
        reader.error(
            node, f"{what} must be auto or a whole number from 0 to {MAX_WORKERS}, not '{value}'"
        )
        return None
    return int(value)


def _size(reader: Reader, node: Node, what: str) -> int | None:
    value = reader.text(node, what)
    m = _SIZE_RE.match(value or "")
    if value is not None and (not m or int(m.group(1)) <= 0):
        reader.error(node, f"{what} '{value}' is not a size like 10MB or 500000")
        return None
    return int(m.group(1)) * _SIZE_UNITS[(m.group(2) or "").lower() or None] if m else None


def delivery(
    reader: Reader, entry: tuple[Node, Node] | None, topics: Mapping[str, Topic]
) -> Delivery:
    base, f = _section(reader, entry, "delivery", Delivery())
    changes: dict[str, Any] = {}
    if "default_topics" in f:
        listed = reader.text_list(f["default_topics"][1], "delivery: default_topics") or []
        for node, tid in listed:
            if topics and tid not in topics:
                reader.error(node, f"delivery: unknown topic '{tid}'{did_you_mean(tid, topics)}")
        changes["default_topics"] = tuple(t for _, t in listed)
    if "default_mode" in f:
        changes["default_mode"] = reader.choice(
            f["default_mode"][1], "delivery: default_mode", ("instant", "hourly", "daily")
        )
    if "daily_at" in f:
        at = reader.text(f["daily_at"][1], "delivery: daily_at")
        if at is not None and not _HHMM_RE.match(at):
            reader.error(f["daily_at"][1], f"delivery: daily_at '{at}' is not a time like 07:00")
        changes["daily_at"] = at
    if "timezone" in f:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only for a file that names one

        tz = reader.text(f["timezone"][1], "delivery: timezone")
        try:
            if tz is not None:
                ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            reader.error(
                f["timezone"][1], f"delivery: unknown timezone '{tz}' (e.g. UTC, Africa/Tripoli)"
            )
        changes["timezone"] = tz
    if "default_lang" in f:
        changes["default_lang"] = reader.choice(
            f["default_lang"][1], "delivery: default_lang", INTERFACE_LANGS
        )
    if "max_stories_per_digest" in f:
        changes["max_stories_per_digest"] = reader.integer(
            f["max_stories_per_digest"][1], "delivery: max_stories_per_digest"
        )
    result: Delivery = _apply(base, changes)
    return result


def access(reader: Reader, entry: tuple[Node, Node] | None) -> Access:
    base, f = _section(reader, entry, "access", Access())
    changes: dict[str, Any] = {}
    if "mode" in f:
        changes["mode"] = reader.choice(f["mode"][1], "access: mode", ("open", "allowlist"))
    for key in ("admins", "allow"):
        if key not in f:
            continue
        ids: list[int] = []
        for node in reader.sequence(f[key][1], f"access: {key}") or []:
            value = reader.text(node, f"access: {key}")
            if value is not None and value.lstrip("-").isdigit():
                ids.append(int(value))
            elif value is not None:
                reader.error(node, f"access: {key}: '{value}' is not a Telegram numeric id")
        changes[key] = tuple(ids)
    result: Access = _apply(base, changes)
    return result


def stories(reader: Reader, entry: tuple[Node, Node] | None) -> Stories:
    base, f = _section(reader, entry, "stories", Stories())
    changes: dict[str, Any] = {}
    if "window" in f:
        window = reader.duration(f["window"][1], "stories: window")
        changes["window_hours"] = window / 3600 if window else None
    if "retention" in f:
        retention = reader.duration(f["retention"][1], "stories: retention")
        changes["retention_days"] = retention / 86400 if retention else None
    if "similarity" in f:
        sim = reader.number(f["similarity"][1], "stories: similarity")
        if sim is not None and sim >= 1:
            reader.error(f["similarity"][1], "stories: similarity is a fraction between 0 and 1")
        changes["similarity"] = sim
    if "event_score" in f:
        changes["event_score"] = reader.number(f["event_score"][1], "stories: event_score")
    if "edit_within" in f:
        edit = reader.duration(f["edit_within"][1], "stories: edit_within")
        changes["edit_within_hours"] = edit / 3600 if edit is not None else None
    off = "surge" in f and _off(f["surge"][1])
    if "surge" in f and not off:
        changes["surge"] = _surge(reader, f["surge"][1])
    result: Stories = _apply(base, changes)
    return result._replace(surge=None) if off else result


def _off(node: Node) -> bool:
    return isinstance(node, ScalarNode) and str(node.value).lower() in ("off", "false", "no")


def _surge(reader: Reader, node: Node) -> Surge | None:
    """`surge: {outlets: 5, languages: 2, within: 6h}` (`surge: off` is read by the caller)."""
    fields_ = reader.mapping(node, "stories: surge", ("outlets", "languages", "within"))
    if fields_ is None:
        return None
    changes: dict[str, Any] = {}
    if "outlets" in fields_:
        changes["outlets"] = reader.integer(fields_["outlets"][1], "stories: surge: outlets")
    if "languages" in fields_:
        changes["languages"] = reader.integer(fields_["languages"][1], "stories: surge: languages")
    if "within" in fields_:
        within = reader.duration(fields_["within"][1], "stories: surge: within")
        changes["within_hours"] = within / 3600 if within else None
    surge: Surge = _apply(Surge(), changes)
    return surge


def _apply(base: Any, changes: dict[str, Any]) -> Any:
    """`base` with the valid changes applied (None means the value was refused)."""
    known = base._fields
    return base._replace(**{k: v for k, v in changes.items() if v is not None and k in known})
