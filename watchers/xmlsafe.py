"""What happens to feed bytes before feedparser sees them: entity-bomb refusal and charset sniffing.

`defuse(body)` refuses documents whose DOCTYPE declares entities that expand into other entities
(billion laughs), parameter entities, or a flood of declarations; anything else passes through
untouched (feedparser itself drops unsafe entity declarations and never fetches external ones).
It reads ASCII-compatible bytes directly and UTF-16/UTF-32 documents after decoding.

`sniff_charset(body, content_type)` names the charset of undeclared 8-bit text (no BOM, no charset
in Content-Type, no encoding in the XML declaration, not valid UTF-8), e.g. KOI8-R, windows-1256 or
ISO-8859-1 served bare; feedparser alone would fall back to windows-1252 and garble it.
"""

from __future__ import annotations

import codecs
import re

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


def sniff_charset(body: bytes, content_type: str = "") -> str:
    """The charset of undeclared, non-UTF-8 bytes ("" when declared, UTF-8 or unknowable)."""
    if declared_charset(body, content_type):
        return ""
    try:
        body.decode("utf-8")
        return ""
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(body[:200_000], cp_isolation=CANDIDATES))
    if not matches:
        return ""
    rank = {name: i for i, name in enumerate(CANDIDATES)}
    best = min(
        matches,
        key=lambda m: (round(m.chaos, 3), -round(m.coherence, 3), rank.get(m.encoding, 99)),
    )
    return best.encoding
