"""The delivery service: from stories to outbox rows, digests on a schedule, and the sender.

`DeliveryService` is what the runner (`bot.py run`) starts and stops. It turns a new story into
instant alerts (`on_new_story`), edits them as more outlets report the story and pushes surges
(`on_story_grew`), runs the digest job every minute on the shared APScheduler 3
scheduler (`run_digests`), tells subscribers of topics the operator adds (delivery.topic_news),
keeps the `OutboxSender` draining (folding bursts of alerts: delivery.bursts), and with a bot
(`BotRuntime`, delivery.ports: the PTB application built in delivery.app) starts and stops the
bot's long polling. Without one it delivers to the terminal (chat 0).
A Bot API that cannot be reached at start does not stop it: alerts and digests wait in the
outbox while it tries again with back-off (delivery.connection; `telegram` says how it
stands), and the sender starts once it answers; a rejected token is an error at start
(TokenRejected).
Subscriber settings live in the DeliveryStore, which the bot's commands reach through
`subscriptions` (delivery.subscriptions); composition is in compose.py; timing in cadence.py.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime, timedelta, tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from config.model import Rules
from core.clock import Clock, SystemClock
from core.log import event
from core.story import StoryView
from delivery import bursts, cadence, compose, connection, topic_news
from delivery.ports import BotRuntime, Operations, StorySource
from delivery.sender import OutboxSender
from delivery.subscriptions import ChatSubscriptions
from delivery.terminal import TERMINAL_CHAT
from storage.delivery_store import DeliveryStore, OutboxRow, Part, Subscriber

LOG = logging.getLogger(__name__)
DIGEST_JOB = "delivery:digests"


def admins_from_env(value: str | None = None) -> set[int]:
    """SAHELWATCH_ADMINS: comma-separated Telegram user ids (bad entries are skipped)."""
    raw = os.environ.get("SAHELWATCH_ADMINS", "") if value is None else value
    out: set[int] = set()
    for piece in raw.split(","):
        piece = piece.strip()
        if piece.lstrip("-").isdigit():
            out.add(int(piece))
    return out


class DeliveryService:
    """Alerts, digests, subscribers and the send loop, for one set of rules at a time."""

    def __init__(
        self,
        rules: Rules,
        store: DeliveryStore,
        sender: OutboxSender,
        stories: StorySource | None = None,
        *,
        ops: Operations | None = None,
        clock: Clock | None = None,
        scheduler: AsyncIOScheduler | None = None,
        bot: BotRuntime | None = None,
        terminal: bool = False,
        lookback: timedelta = timedelta(hours=24),
        digest_every_s: float = 60.0,
        connect_backoff_s: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        self.rules = rules
        self.store = store
        self.sender = sender
        self.stories = stories
        self.ops = ops
        self.clock = clock or SystemClock()
        self._own_scheduler = scheduler is None
        self.scheduler = scheduler or AsyncIOScheduler(timezone=UTC)
        self.bot = bot  # None: no bot to run (the terminal)
        self.terminal = terminal
        self.lookback = lookback
        self.digest_every_s = digest_every_s
        self.connect_backoff_s = connect_backoff_s  # first and longest wait between tries
        self.env_admins = admins_from_env()
        # How Telegram stands: "terminal", "connecting", "connected", "unreachable" or
        # "token rejected"; `telegram_error` says why when it is not connected.
        self.telegram = "terminal" if bot is None else "connecting"
        self.telegram_error = ""
        self._connecting: asyncio.Task[None] | None = None
        sender.fold = self.fold_alerts  # bursts of waiting alerts go out as one list
        # what the bot's commands may read and change of a chat's subscription
        self.subscriptions = ChatSubscriptions(store, self.clock, lambda: self.rules)

    # -- settings ---------------------------------------------------------------------------------

    def update_rules(self, rules: Rules) -> None:
        """Live reload: new topics, labels, defaults and access apply from now on; topics the
        operator added are announced to subscribers who chose theirs."""
        self.rules = rules
        self.announce_topics()

    def announce_topics(self) -> int:
        """Tell each subscriber who chose its topics of the topics new in the rules (once);
        the number of chats told."""
        told = topic_news.announce(self.store, self.rules, self.tz, self.clock.now())
        if told:
            event("topics", "delivery", announced_to=told)
            self.sender.wake()
        return told

    def following(self, sub: Subscriber) -> tuple[str, ...]:
        """The topics `sub` follows now (every topic of the rules when it follows all)."""
        return compose.following(sub.topics, sub.all_topics, self.rules)

    def fold_alerts(self, chat_id: int, due: list[OutboxRow]) -> list[Part]:
        """The sender's fold hook: the alerts `due` for a chat as one list of stories when
        they are a burst (delivery.bursts), else [] (they go one by one)."""
        if not bursts.should_fold(due):
            return []
        sub = self.store.subscriber(chat_id)
        return bursts.fold_parts(sub, due, self.stories, self.rules, self.tz)

    @property
    def tz(self) -> tzinfo:
        return cadence.zone(self.rules.delivery.timezone)

    @property
    def admins(self) -> set[int]:
        return set(self.rules.access.admins) | self.env_admins

    def is_admin(self, user_id: int | None) -> bool:
        return user_id is not None and user_id in self.admins

    def may_use(self, user_id: int | None, chat_id: int) -> bool:
        """Open access, or an allow-listed user or chat (admins always may)."""
        access = self.rules.access
        if access.mode == "open" or self.is_admin(user_id):
            return True
        allowed = set(access.allow)
        return chat_id in allowed or (user_id is not None and user_id in allowed)

    def alert_part(self, story: StoryView, sub: Subscriber, surge: bool = False) -> Part:
        """The alert of `story` as `sub` reads it (its topics, language and layout)."""
        message = compose.alert_text(
            story, self.following(sub), self.rules, sub.lang, self.tz, surge, sub.format
        )
        return Part(message.text, message.story_ids, message.preview)

    # -- alerts and digests -----------------------------------------------------------------------

    def on_new_story(self, story: StoryView, rules: Rules | None = None) -> int:
        """A story is new or gained topics: alert every instant subscriber it is urgent for (in
        a followed topic whose `alert:` is instant), now or when their quiet hours end. Hourly
        and daily subscribers chose digests: nothing is pushed to them. Returns the number of
        alerts queued. A story already delivered or queued for a chat is never queued again."""
        if rules is not None:
            self.rules = rules
        now = self.clock.now()
        queued = 0
        for sub in self.store.active_subscribers():
            urgent = compose.is_urgent(story, self.following(sub), self.rules)
            if sub.mode != "instant" or not urgent:
                continue  # it waits for the digest
            if not self.store.undelivered(sub.chat_id, [story.id]):
                continue
            ids = self.store.enqueue(
                sub.chat_id,
                sub.thread_id,
                "alert",
                [self.alert_part(story, sub)],
                now=now,
                not_before=cadence.release_time(sub.quiet, now, self.tz),
            )
            queued += bool(ids)
        if queued:
            event("alert", story.source, story=story.id, queued=queued)
            self.sender.wake()
        return queued

    def on_story_grew(self, story: StoryView) -> int:
        """More outlets report `story`: its alerts still waiting get the new text, those sent
        within `stories: edit_within` are edited in place, and an instant subscriber for whom
        it is now a surge (`compose.surging`) gets it pushed. Returns the messages queued or
        rewritten."""
        now = self.clock.now()
        changed = 0
        edit_s = self.rules.stories.edit_within_hours * 3600
        subs = {sub.chat_id: sub for sub in self.store.active_subscribers()}
        for alert in self.store.edits.alerts_of(story.id):
            sub = subs.get(alert.chat_id)
            if sub is None:
                continue
            surge = not compose.is_urgent(story, self.following(sub), self.rules)  # a surge
            part = self.alert_part(story, sub, surge)
            if alert.state == "pending":
                changed += self.store.edits.rewrite_pending(alert.outbox_id, part.text)
            elif (
                alert.state == "sent"
                and alert.sent_at is not None
                and (now - alert.sent_at).total_seconds() <= edit_s
            ):
                self.store.edits.queue_edit(alert, part.text, now)
                changed += 1
        for sub in subs.values():
            topics = self.following(sub)
            if (
                sub.mode != "instant"
                or compose.is_urgent(story, topics, self.rules)
                or not compose.surging(story, topics, self.rules, now)
                or not self.store.undelivered(sub.chat_id, [story.id])
            ):
                continue
            ids = self.store.enqueue(
                sub.chat_id, sub.thread_id, "alert", [self.alert_part(story, sub, True)],
                now=now, not_before=cadence.release_time(sub.quiet, now, self.tz),
            )  # fmt: skip
            if ids:
                changed += 1
                event("surge", story.source, story=story.id, chat=sub.chat_id)
        if changed:
            self.sender.wake()
        return changed

    # The runner may call it under either name.
    enqueue_story = on_new_story

    def notify_admins(self, text: str, mark: str = "⚠️") -> int:
        """Queue an operator notice (a paused source, a refused rules edit, rules fixed) to
        every admin, or to the terminal without a token, its first line marked with `mark`,
        summarised and split under Telegram's limit (see compose.notice_parts). Returns how
        many chats it was queued for."""
        parts = [Part(body) for body in compose.notice_parts(text, mark=mark)]
        chats = [TERMINAL_CHAT] if self.terminal else sorted(self.admins)
        now = self.clock.now()
        for chat in chats:
            self.store.enqueue(chat, None, "notice", parts, now=now, not_before=now)
        if chats:
            self.sender.wake()
        return len(chats)

    def run_digests(self, now: datetime | None = None) -> int:
        """Queue the digests that are due, outside quiet hours: hourly or daily as each chose;
        an instant subscriber gets the stories of digest-only topics daily (the urgent ones it
        had at once are not repeated). Returns how many."""
        now = now or self.clock.now()
        done = 0
        for sub in self.store.active_subscribers():
            if cadence.in_quiet(sub.quiet, now, self.tz):
                continue
            cadence_of = "daily" if sub.mode == "instant" else sub.mode
            if cadence.digest_due(cadence_of, sub.daily_at, sub.last_digest_at, now, self.tz):
                done += bool(self.digest_for(sub, now))
        if done:
            self.sender.wake()
        return done

    def digest_for(self, sub: Subscriber, now: datetime | None = None) -> list[int]:
        """Queue a digest of the subscriber's undelivered stories now; the outbox ids ([] when
        there was nothing new). Records the digest time either way."""
        now = now or self.clock.now()
        if self.stories is None:
            return []
        topics = self.following(sub)
        for _ in range(3):
            candidates = self.stories.stories_since(
                now - self.lookback, compose.followed(topics, self.rules)
            )
            fresh = set(self.store.undelivered(sub.chat_id, [s.id for s in candidates]))
            parts = compose.digest_parts(
                [s for s in candidates if s.id in fresh], topics, self.rules, sub.lang, self.tz
            )
            if not parts:
                self.store.set_last_digest(sub.chat_id, now)
                return []
            ids = self.store.enqueue(
                sub.chat_id,
                sub.thread_id,
                "digest",
                [Part(p.text, p.story_ids) for p in parts],
                now=now,
                not_before=now,
                batch=f"digest:{sub.chat_id}:{now.isoformat(timespec='seconds')}",
                digest_at=now,
            )
            if ids:
                event("digest", "delivery", chat=sub.chat_id, parts=len(ids))
                self.sender.wake()
                return ids
        return []

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the digest job, and the sender with (given a token) the bot's long polling:
        at once, or, when the Bot API cannot be reached, as soon as a later try reaches it.
        TokenRejected when Telegram refuses the token."""
        if self.terminal:
            sub = self.store.subscriber(TERMINAL_CHAT)
            if sub is None or not sub.active:
                self.subscriptions.subscribe(TERMINAL_CHAT, "terminal", "terminal")
        self.announce_topics()  # topics added while the service was stopped
        self.scheduler.add_job(
            self._digest_tick,
            "interval",
            seconds=self.digest_every_s,
            id=DIGEST_JOB,
            name="digests",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=self.clock.now(),
        )
        if self._own_scheduler and not self.scheduler.running:
            self.scheduler.start()
        bot = self.bot
        if bot is None:
            self.sender.start()
        elif not await connection.connect(self, bot):
            retry = connection.keep_connecting(self, bot)
            self._connecting = asyncio.create_task(retry, name="telegram")

    async def stop(self) -> None:
        if self._connecting is not None:
            self._connecting.cancel()
            await asyncio.gather(self._connecting, return_exceptions=True)
            self._connecting = None
        if self.bot is not None:
            await self.bot.stop()
        if self.scheduler.get_job(DIGEST_JOB) is not None:
            self.scheduler.remove_job(DIGEST_JOB)
        if self._own_scheduler and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.sender.stop()

    async def _digest_tick(self) -> None:
        try:
            self.run_digests()
        except Exception:  # the job must keep running next minute
            LOG.exception("digest job failed")
