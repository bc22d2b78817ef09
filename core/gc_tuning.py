"""The garbage collector's settings for Sahel Watch's processes, in one place.

CPython's cyclic collector runs a young-generation pass every 700 net allocations and a full
pass each time the long-lived heap has grown by a quarter. A cycle over many feeds allocates
millions of short-lived objects (parsed entries, hits, features) while the heap of long-lived
ones grows with every stored report's cached story: with the defaults the collector rescans that
heap again and again. Measured with bench/bench_watchers.py (1,000 feeds x 20 items, one parse
worker): first cycle 45.6 s with the defaults, 36.8 s with these settings.

`tune()` also collects once and then freezes what is alive (the imported modules, their classes
and tables): those objects are never scanned again. Memory stays bounded: reference counting
frees almost everything at once; only garbage in reference cycles waits for the (rarer) passes.
"""

from __future__ import annotations

import gc

THRESHOLDS = (100_000, 50, 100)  # allocations before a young pass; passes before older ones


_tuned = False


def tune() -> None:
    """Collect, freeze the objects alive now and apply THRESHOLDS; once per process (later
    calls do nothing)."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
