"""What delivery needs from the rest of the system, as Protocols (any object that fits will do).

`StorySource` is the part of `storage.store.Store` delivery reads; `Operations` is the operator
actions the lead's runner wires in (pause/resume a source, reload rules.yaml, source health);
`BotRuntime` is the bot's connection to Telegram that the service starts and stops
(delivery.app.PollingBot, given a token).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from core.health import SourceHealth
from core.story import StoryView


class SearchHitLike(Protocol):
    """One story found by a search: the report that matched best, the story's outlets, and a
    snippet of the report's original text as (text, matched) spans."""

    @property
    def title(self) -> str: ...

    @property
    def url(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def published(self) -> datetime | None: ...

    @property
    def first_seen(self) -> datetime: ...

    @property
    def sources(self) -> tuple[str, ...]: ...

    @property
    def snippet(self) -> tuple[tuple[str, bool], ...]: ...


class StorySource(Protocol):
    def stories_since(
        self, since: datetime, topics: Collection[str] | None = None
    ) -> list[StoryView]: ...

    def story(self, story_id: int) -> StoryView | None: ...

    def search(self, query: str, limit: int = 10) -> Sequence[SearchHitLike]: ...


class Operations(Protocol):
    """Operator actions behind /pause, /resume, /reload and /sources."""

    def pause(self, name: str) -> bool:
        """Pause the source called `name`; False when there is no such source."""
        ...

    def resume(self, name: str) -> bool: ...

    def reload(self) -> list[str]:
        """Reload rules.yaml; the errors found ([] when the new rules are running)."""
        ...

    def health(self) -> dict[str, SourceHealth]: ...


class BotRuntime(Protocol):
    """The bot's side of Telegram, as the delivery service starts and stops it."""

    async def start(self) -> None:
        """Connect and start receiving updates; safe to call again after a failure.
        TokenRejected when Telegram refuses the token; DeliveryError when the Bot API cannot
        be reached or answers with an error."""
        ...

    async def stop(self) -> None:
        """Stop receiving updates and let go of the connection."""
        ...
