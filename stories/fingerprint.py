"""Fingerprints and features of a report's text: the normalised title fingerprint, character
n-gram shingles (as sets of strings for exact Jaccard, as vectorised 64-bit hashes for MinHash),
one-permutation MinHash signatures with their LSH band keys and their small stored sketches (for
a quick similarity estimate), and the numbers a report states.

All text goes through `core.text.normalize` first, so an Arabic title with or without
diacritics, or a French one with or without accents, gives the same features. Hashes (blake2b and
splitmix64 based) are stable across processes: they are stored in the database, so a change to
them needs a migration that queues the clustering index's re-filing (as 0003_cluster_keys_rehash
does), and tests/test_stories.py pins their values (sketches included: a changed sketch only
makes older records look unrelated, so it would need their features re-written).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from hashlib import blake2b

import numpy as np
import numpy.typing as npt

from core.text import normalize

SHINGLE = 4  # characters per shingle
BINS = 48  # MinHash values per signature (one-permutation hashing)
ROWS = 3  # values per LSH band: BINS // ROWS = 16 bands
LEAD_CHARS = 200  # normalised characters of the lead kept as a feature
_MASK63 = (1 << 63) - 1
_EMPTY = 1 << 40  # above any 32-bit value: an empty bin

# A number as written: digits with optional thousands groups and a decimal part. \d matches
# Arabic-Indic digits too; they are mapped to ASCII afterwards.
_NUMBER = re.compile(r"\d+(?:[,.\u066c\u00a0\u202f ]\d{3})*(?:[.,\u066b]\d+)?")
_GROUP_SEP = re.compile(r"[,.\u066c\u00a0\u202f ](?=\d{3}(?!\d))")


def key64(text: str) -> int:
    """A stable signed 63-bit key for `text` (fits an SQLite INTEGER)."""
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=8).digest(), "big") & _MASK63


def title_fingerprint(title: str, normalized: bool = False) -> str:
    """The normalised title as a short stable hex digest ("" when the title has no words).
    `normalized=True` when `title` is already the output of `normalize`."""
    norm = title if normalized else normalize(title)
    if not norm:
        return ""
    return blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The first `limit` normalised characters of `text`, cut at a word boundary."""
    norm = normalize(text[: limit * 3])
    if len(norm) <= limit:
        return norm
    cut = norm.rfind(" ", 0, limit + 1)
    return norm[: cut if cut > 0 else limit]


@lru_cache(maxsize=2048)
def shingles(norm: str, n: int = SHINGLE) -> frozenset[str]:
    """Character n-grams of already normalised text (the whole text when shorter than n).
    Cached: a recent report is compared with several newcomers."""
    if not norm:
        return frozenset()
    if len(norm) <= n:
        return frozenset((norm,))
    return frozenset([norm[i : i + n] for i in range(len(norm) - n + 1)])


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


_U = np.uint64
_M1, _M2 = _U(0xBF58476D1CE4E5B9), _U(0x94D049BB133111EB)  # splitmix64's finaliser
_EMPTY_BIN = _U(_EMPTY)


def gram_hashes(norm: str, n: int = SHINGLE) -> npt.NDArray[np.uint64]:
    """64-bit hashes of the character n-grams of already normalised text (of the whole text
    when it is shorter than n), computed in one vectorised pass: each character folded to 16
    bits (unchanged in the Basic Multilingual Plane; above it, as in Adlam, folded), the n of a
    gram packed into 64 bits, then mixed. The same grams as `shingles`, hashed."""
    if not norm:
        return np.empty(0, dtype=np.uint64)
    points = np.frombuffer(norm.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    units = (points ^ (points >> _U(16)) * _U(0x9E37)) & _U(0xFFFF)
    if len(units) < n:
        units = np.concatenate([units, np.zeros(n - len(units), dtype=np.uint64)])
    count = len(units) - n + 1
    h = units[:count].copy()
    for i in range(1, n):
        h = (h << _U(64 // n)) | units[i : i + count]
    h ^= h >> _U(30)
    h *= _M1
    h ^= h >> _U(27)
    h *= _M2
    h ^= h >> _U(31)
    return h


def minhash(texts: Sequence[str], bins: int = BINS) -> tuple[int, ...]:
    """One-permutation MinHash with rotation densification over the n-grams of all `texts`
    (normalised): `bins` values, one hash per gram.

    Each gram's 64-bit hash picks a bin with its high half and competes for that bin's minimum
    with its low half; an empty bin borrows from the next non-empty bin to its right, so that
    two equal gram sets always get equal signatures and P[value i equal] approximates their
    Jaccard similarity.
    """
    hashes = [gram_hashes(t) for t in texts if t]
    if not hashes:
        return ()
    return minhash_of(np.concatenate(hashes), bins)


def minhash_of(h: npt.NDArray[np.uint64], bins: int = BINS) -> tuple[int, ...]:
    """`minhash` of gram hashes already computed (`gram_hashes` of each text, concatenated)."""
    if not len(h):
        return ()
    which = ((h >> _U(32)) * _U(bins)) >> _U(32)
    mins = np.full(bins, _EMPTY_BIN, dtype=np.uint64)
    np.minimum.at(mins, which.astype(np.intp), h & _U(0xFFFFFFFF))
    values: list[int] = mins.tolist()
    if _EMPTY in values:
        out = list(values)
        for i in range(bins):
            if values[i] == _EMPTY:
                step = 1
                while values[(i + step) % bins] == _EMPTY:
                    step += 1
                out[i] = values[(i + step) % bins] + (step << 32)
        return tuple(out)
    return tuple(values)


def sketch(signature: Sequence[int]) -> bytes:
    """A MinHash `signature` kept small for storage: the low 8 bits of each value. Two
    sketches agree in a position with probability J + (1 - J) / 256, J the Jaccard of the two
    gram sets, so `estimate` tells reports that share almost nothing cheaply."""
    return bytes(v & 0xFF for v in signature)


def estimate(a: bytes, b: bytes) -> float | None:
    """The estimated Jaccard of the reports two sketches describe (None when either is
    missing or they differ in length: a report stored before sketches were kept)."""
    if not a or len(a) != len(b):
        return None
    # the positions that agree are the zero bytes of a XOR b (one call each, all in C)
    same = (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(len(a), "big").count(0)
    return same / len(a)


_BAND_MULT = (0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5, 0x85EBCA77C2B2AE63)


def band_keys(signature: tuple[int, ...], rows: int = ROWS) -> list[int]:
    """LSH keys: one per band of `rows` signature values, the band's index mixed in
    (multiply-xor mixing over all bands at once: stable, and no hash call per band)."""
    bands = len(signature) // rows
    if not bands:
        return []
    sig = np.array(signature[: bands * rows], dtype=np.uint64).reshape(bands, rows)
    h = np.arange(1, bands + 1, dtype=np.uint64) * _U(0x9E3779B97F4A7C15)
    for j in range(rows):
        h = (h ^ sig[:, j]) * _U(_BAND_MULT[j % 4])
        h ^= h >> _U(29)
    keys: list[int] = (h & _U(_MASK63)).tolist()
    return keys


def numbers(text: str, skip_years: bool = True) -> frozenset[str]:
    """The numbers `text` states, canonically spelt ("2,000", "2 000", "٢٠٠٠" → "2000").

    Years (1900-2100) are left out by default: two reports of one event often differ in
    whether they give the year, never in the year itself.
    """
    found = set()
    for m in _NUMBER.finditer(text):
        raw = _GROUP_SEP.sub("", m.group(0))
        raw = "".join(str(unicodedata.digit(c)) if c.isdigit() else "." for c in raw)
        value = raw.rstrip(".")
        if "." in value:
            value = value.rstrip("0").rstrip(".")
        value = value.lstrip("0") or "0"
        if skip_years and value.isdigit() and len(value) == 4 and 1900 <= int(value) <= 2100:
            continue
        found.add(value)
    return frozenset(found)
