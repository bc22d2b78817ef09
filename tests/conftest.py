"""Fixtures shared by test modules: a local feed server, and the rules as shipped with their
matcher (a module that needs other rules defines its own `rules`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config import Rules, load_rules
from matching.engine import Matcher
from tests.feedserver import FeedServer
from tests.service_support import rss


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    """A local feed server with one small, neutral feed at /a.xml (matching no topic)."""
    with FeedServer() as srv:
        srv.add("/a.xml", rss("a", ["Weather report a", "Cooking show a"]))
        yield srv


@pytest.fixture(scope="module")
def rules() -> Rules:
    """rules.yaml as shipped, its `stories:` settings included (event_score 4)."""
    return load_rules(Path(__file__).resolve().parent.parent / "rules.yaml")


@pytest.fixture(scope="module")
def matcher(rules: Rules) -> Matcher:
    return Matcher.from_rules(rules)
