"""What happens to feed bytes before feedparser sees them: entity-bomb refusal and charset sniffing.

`defuse(body)` refuses documents whose DOCTYPE declares entities that expand into other entities
(billion laughs), parameter entities, or a flood of declarations; anything else passes through
untouched (feedparser itself drops unsafe entity declarations and never fetches external ones).
It reads ASCII-compatible bytes directly and UTF-16/UTF-32 documents after decoding.

`decoding(body, content_type)` is the one place that decides how a feed's bytes become text
(feedparser then decodes as told). Bytes that are what they say pass through untouched. Undeclared
8-bit text (no BOM, no charset in Content-Type, no encoding in the XML declaration, not valid
UTF-8), e.g. KOI8-R, windows-1256 or ISO-8859-1 served bare, gets its charset sniffed: feedparser
alone would fall back to windows-1252 and garble it. Two kinds of bytes that are not what they say
are read anyway and reported (`Decoding.degraded`, shown as the source's health): UTF-8 with a few
invalid bytes (declared or not) is decoded with those bytes replaced, not thrown wholesale to
windows-1252; a document declared UTF-8 that is mostly not (windows-1256 Arabic, say) is decoded
in the charset sniffed from its bytes.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

from core.errors import ParseError

MAX_ENTITY_DECLS = 64
_DOCTYPE = re.compile(r"<!DOCTYPE\b[^\[>]*(?:\[(?P<subset>.*?)\]\s*)?>", re.S)
_ENTITY = re.compile(r"<!ENTITY\s+(?P<param>%\s+)?(?P<name>\S+)\s+(?P<rest>[^>]*)>", re.S)
_REF = re.compile(r"[&%][A-Za-z_:][\w.:-]*;")
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*['\"]([A-Za-z0-9._:-]+)['\"]", re.S)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WIDE_SIGNATURES = (
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)
# The 8-bit encodings this monitor meets, in the order to prefer on a tie.
CANDIDATES = [
    "cp1256", "iso8859_6", "koi8_r", "cp1251", "iso8859_5", "cp1252", "iso8859_1", "iso8859_15",
    "iso8859_2", "iso8859_7", "cp1253", "cp1255", "iso8859_8", "cp1250", "mac_cyrillic",
]  # fmt: skip


def bom_encoding(body: bytes) -> str:
    """The encoding a byte-order mark (or a wide `<?` signature) announces, or ""."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    for sig, name in _WIDE_SIGNATURES:
        if body.startswith(sig):
            return name
    return ""


def defuse(body: bytes) -> bytes:
    """Refuse entity-expansion documents (ParseError); return every other body unchanged."""
    wide = bom_encoding(body)
    if wide and wide != "utf-8":
        marker = "<!ENTITY".encode(wide)
        if marker not in body:
            return body
        text = body.decode(wide, errors="replace")
    else:
        if b"<!ENTITY" not in body:
            return body
        text = body.decode("latin-1")  # byte-transparent; only ASCII syntax is looked at
    _check_entities(text)
    return body


def _check_entities(text: str) -> None:
    doctype = _DOCTYPE.search(text)
    subset = (doctype.group("subset") or "") if doctype else ""
    declared = list(_ENTITY.finditer(subset))
    outside = len(_ENTITY.findall(text)) - len(declared)
    if outside > 0:
        raise ParseError("refused: entity declarations outside a well-formed DOCTYPE")
    if len(declared) > MAX_ENTITY_DECLS:
        raise ParseError(f"refused: the DOCTYPE declares {len(declared)} entities")
    for decl in declared:
        if decl.group("param"):
            raise ParseError("refused: the DOCTYPE declares parameter entities")
        if _REF.search(decl.group("rest")):
            raise ParseError(
                "refused: the DOCTYPE declares entities that expand into other entities "
                "(an entity-expansion attack such as 'billion laughs')"
            )


def declared_charset(body: bytes, content_type: str) -> str:
    """The charset a document states: BOM, then Content-Type charset, then XML declaration."""
    bom = bom_encoding(body)
    if bom:
        return bom
    for part in content_type.split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip("'\""):
            return value.strip().strip("'\"")
    match = _XML_ENCODING.match(body[:512])
    return match.group(1).decode("ascii") if match else ""


# A document is UTF-8 with a few bad bytes, not another charset, when it starts with a UTF-8
# byte-order mark, or when its valid non-ASCII characters are at least this many times its
# invalid sequences (text in a legacy 8-bit charset read as UTF-8 has nearly every non-ASCII
# byte invalid: a lead byte followed by just the right continuation bytes is rare by chance).
MOSTLY_UTF8 = 2


@dataclass(frozen=True)
class Decoding:
    """How to read a body: the bytes to hand feedparser, the charset to announce for them (""
    to leave the document's own say), and why the source is degraded ("" when it is not)."""

    body: bytes
    charset: str = ""
    degraded: str = ""


def decoding(body: bytes, content_type: str = "") -> Decoding:
    """How feedparser should read `body` (see the module's docstring)."""
    declared = _codec(declared_charset(body, content_type))
    if declared not in ("", "utf-8"):
        return Decoding(body)  # another charset, stated: taken at its word
    try:
        body.decode("utf-8")
        return Decoding(body)
    except UnicodeDecodeError:
        pass
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count("\ufffd".encode())
    good = sum(1 for ch in text if ch > "\x7f") - text.count("\ufffd")
    if good >= MOSTLY_UTF8 * bad or body.startswith(codecs.BOM_UTF8):
        plural = "s" if bad > 1 else ""
        return Decoding(
            text.encode("utf-8"), "utf-8", f"{bad} invalid UTF-8 byte sequence{plural} replaced"
        )
    sniffed = _sniff(body)
    if not declared:
        return Decoding(body, sniffed)  # undeclared 8-bit text: not a fault of the feed
    if not sniffed:
        return Decoding(text.encode("utf-8"), "utf-8", "declared UTF-8 but is not")
    fixed = body.decode(sniffed, errors="replace").encode("utf-8")
    return Decoding(fixed, "utf-8", f"declared UTF-8 but is {_label(sniffed)}")


def _codec(name: str) -> str:
    """Python's canonical name of a charset ("utf-8", "cp1256"); the name as given when Python
    does not know it; "" for none."""
    if not name:
        return ""
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name.lower()


def _label(codec: str) -> str:
    """A charset's name as operators know it: cp1256 -> windows-1256."""
    name = _codec(codec)
    return "windows-" + name[2:] if re.fullmatch(r"cp12\d\d", name) else name


def _sniff(body: bytes) -> str:
    """The likeliest of CANDIDATES for 8-bit `body` ("" when none fits)."""
    matches = list(from_bytes(body[:200_000], cp_isolation=CANDIDATES))
    if not matches:
        return ""
    rank = {name: i for i, name in enumerate(CANDIDATES)}
    best = min(
        matches,
        key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), rank.get(m.encoding, 99)),
    )
    return str(best.encoding)
