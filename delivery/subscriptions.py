"""The chats' subscriptions as the bot's commands use them: a chat's subscription, subscribing
it with the rules' delivery defaults, changing one setting at a time, stopping it, following a
group to its supergroup, and the counts /status and /stats report.

`ChatSubscriptions` is the one door from the command handlers (delivery.commands and the
modules it puts together) to the delivery store: each change is stamped with the service's
clock, and the defaults of a new subscription come from the rules running at that moment. The
SQL is storage.subscriptions'; this module decides nothing a handler could not see.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from config.model import Rules
from core.clock import Clock
from delivery import cadence
from delivery.i18n import lang_or_default
from storage.delivery_figures import DayFigures
from storage.delivery_store import DeliveryStore, Subscriber


class ChatSubscriptions:
    """Subscriptions over `store`, dated by `clock`, with the defaults of `rules()` (the rules
    running now: a reload applies to the next /start)."""

    def __init__(self, store: DeliveryStore, clock: Clock, rules: Callable[[], Rules]) -> None:
        self._store = store
        self._clock = clock
        self._rules = rules

    # -- reading ----------------------------------------------------------------------------------

    def subscriber(self, chat_id: int) -> Subscriber | None:
        """The chat's subscription, active or not (None when it never subscribed)."""
        return self._store.subscriber(chat_id)

    def active(self, chat_id: int) -> Subscriber | None:
        """The chat's subscription when it is active."""
        sub = self._store.subscriber(chat_id)
        return sub if sub is not None and sub.active else None

    def pending(self, chat_id: int) -> int:
        """Messages for the chat waiting in the outbox."""
        return sum(1 for row in self._store.outbox_for_chat(chat_id) if row.state == "pending")

    def figures_since(self, start: datetime) -> DayFigures:
        """What /stats reports since `start`: stories, alerts per topic, subscribers per mode,
        messages waiting."""
        return self._store.figures.since(start)

    # -- changes ----------------------------------------------------------------------------------

    def seen(self, chat_id: int, message_id: int) -> None:
        """A message of a subscribed chat went by: remember its id (the sender's reconciliation
        after a crash looks past it). Nothing is written for other chats."""
        if self._store.subscriber(chat_id) is not None:
            self._store.note_message_id(chat_id, message_id)

    def default_topics(self) -> list[str]:
        """The topics a new subscription follows: `delivery: default_topics`, else all."""
        rules = self._rules()
        wanted = rules.delivery.default_topics
        return [t for t in rules.topics if not wanted or t in wanted]

    def subscribe(
        self,
        chat_id: int,
        chat_type: str,
        title: str = "",
        thread_id: int | None = None,
        lang: str | None = None,
    ) -> tuple[Subscriber, bool]:
        """Subscribe the chat with the rules' defaults (the language `lang` when the interface
        speaks it), or reactivate it with its own settings; True when it is new."""
        d = self._rules().delivery
        return self._store.subscribe(
            chat_id,
            chat_type=chat_type,
            title=title,
            thread_id=thread_id,
            topics=self.default_topics(),
            mode=d.default_mode,
            daily_at=cadence.parse_hhmm(d.daily_at) or "07:00",
            lang=lang_or_default(lang, lang_or_default(d.default_lang)),
            now=self._clock.now(),
            all_topics=not d.default_topics,  # "all" by default: new topics come too
        )

    def stop(self, chat_id: int, reason: str) -> None:
        """Stop delivering to the chat (/stop, the bot removed) and drop what waits for it;
        its settings are kept for a later /start."""
        self._store.deactivate(chat_id, reason, self._clock.now())

    def follow(self, chat_id: int, topics: Sequence[str], all_topics: bool) -> Subscriber | None:
        """Follow `topics`, or every topic (those added later too) with `all_topics`; the
        subscription as it is now."""
        return self._store.update_settings(
            chat_id, self._clock.now(), topics=topics, all_topics=all_topics
        )

    def set_mode(self, chat_id: int, mode: str, daily_at: str) -> None:
        """Instant, hourly or daily (at `daily_at`); a digest mode's first digest comes at its
        next boundary, not at once."""
        now = self._clock.now()
        self._store.update_settings(chat_id, now, mode=mode, daily_at=daily_at)
        if mode != "instant":
            self._store.set_last_digest(chat_id, now)

    def set_quiet(self, chat_id: int, quiet: tuple[int, int] | None) -> None:
        """Quiet hours (start, end), or none."""
        self._store.update_settings(chat_id, self._clock.now(), quiet=quiet)

    def set_lang(self, chat_id: int, lang: str) -> None:
        self._store.update_settings(chat_id, self._clock.now(), lang=lang)

    def set_layout(self, chat_id: int, layout: str) -> None:
        """The layout of the chat's alerts: full or short."""
        self._store.update_settings(chat_id, self._clock.now(), layout=layout)

    def migrate(self, old: int, new: int) -> None:
        """A group became supergroup `new`: its subscription, outbox and deliveries move."""
        self._store.migrate_chat(old, new)
