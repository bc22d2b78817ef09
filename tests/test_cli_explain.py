"""`explain` over many documents: worker processes write what this process would, in order."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from cli import explain_workers
from cli.explain_workers import Document, write_all


def render(doc: Document) -> bytes:
    doc_id, title, text = doc
    return f"{doc_id}|{title.upper()}|{len(text)}\n".encode()


def docs(n: int, broken_at: int | None = None) -> Iterator[Document]:
    """n documents, read as documents() reads them: a broken one raises ValueError."""
    for i in range(n):
        if i == broken_at:
            raise ValueError(f"reports.jsonl:{i + 1}:1: expected a JSON object")
        yield f"d{i}", f"title {i}", "x" * i


@pytest.mark.parametrize("n", [0, 5, 47])
def test_workers_write_in_order_what_this_process_would(
    monkeypatch: pytest.MonkeyPatch, n: int
) -> None:
    here = io.BytesIO()
    write_all(render, docs(n), here)
    monkeypatch.setattr(explain_workers, "PARALLEL_FROM", 4)
    monkeypatch.setattr(explain_workers, "BATCH", 3)
    monkeypatch.setattr(explain_workers, "available_cpus", lambda: 2)
    forked = io.BytesIO()
    write_all(render, docs(n), forked)
    assert forked.getvalue() == here.getvalue()
    assert here.getvalue().count(b"\n") == n


@pytest.mark.parametrize("parallel_from", [4, 1000])
def test_a_broken_document_is_raised_after_those_before_it(
    monkeypatch: pytest.MonkeyPatch, parallel_from: int
) -> None:
    monkeypatch.setattr(explain_workers, "PARALLEL_FROM", parallel_from)
    monkeypatch.setattr(explain_workers, "BATCH", 3)
    monkeypatch.setattr(explain_workers, "available_cpus", lambda: 2)
    out = io.BytesIO()
    with pytest.raises(ValueError, match=r"reports\.jsonl:21:1"):
        write_all(render, docs(30, broken_at=20), out)
    lines = out.getvalue().decode().splitlines()
    assert [line.split("|")[0] for line in lines] == [f"d{i}" for i in range(20)]
