"""`explain` over many documents on every core: the documents go in batches to forked worker
processes, each answering a batch's output as bytes, written in the documents' order.

A worker is forked after the rules are compiled, so it starts with the matcher and the
explainer in place (nothing is pickled but the documents and the bytes). Few documents are
explained in this process: starting workers would cost more than it saves.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from core.cpus import available_cpus

Document = tuple[str, str, str]  # id, title, text
BATCH = 200  # documents a task and a write: a few ms of work, so waiting in order costs little
PARALLEL_FROM = 2_000  # documents; fewer are explained here, before a worker could start

_render: Callable[[Document], bytes] | None = None  # set by write_all (before forking)


def write_all(render: Callable[[Document], bytes], docs: Iterable[Document], out: BinaryIO) -> None:
    """Write `render(doc)` for every document, in order: on the cores this process may use
    when there are at least PARALLEL_FROM documents, else here. An exception raised by `docs`
    (a document that cannot be read) is raised after everything before it is written."""
    global _render
    stopped: list[ValueError] = []  # what `docs` raised: raised again once the rest is written

    def guarded() -> Iterator[Document]:
        try:
            yield from docs
        except ValueError as exc:
            stopped.append(exc)

    source = guarded()
    first = list(itertools.islice(source, PARALLEL_FROM))
    rest = itertools.chain(first, source)
    # one write a batch: stdout is unbuffered under `python -u` or PYTHONUNBUFFERED
    batches = iter(lambda: list(itertools.islice(rest, BATCH)), [])
    _render = render  # what _batch uses, here or in the forked workers
    try:
        workers = available_cpus()
        if workers < 2 or len(first) < PARALLEL_FROM:
            for answer in map(_batch, batches):
                out.write(answer)
        else:
            import multiprocessing  # only for a long input: the import is a few ms

            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for answer in pool.imap(_batch, batches):
                    out.write(answer)
    finally:
        _render = None
    if stopped:
        raise stopped[0]


def _batch(docs: list[Document]) -> bytes:
    """One batch's output (in a worker, or here)."""
    assert _render is not None, "a worker forked before write_all set the renderer"
    return b"".join(map(_render, docs))
