"""Fixtures shared by the end-to-end test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.feedserver import FeedServer
from tests.service_support import rss


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    """A local feed server with one small, neutral feed at /a.xml (matching no topic)."""
    with FeedServer() as srv:
        srv.add("/a.xml", rss("a", ["Weather report a", "Cooking show a"]))
        yield srv
