"""The crash-safe send loop over the outbox.

Every message is in the outbox (committed) before it is sent. For each message the sender
commits `sending` (with the chat's last known message id), makes the one HTTP call, then commits
`sent` with Telegram's message id. A crash can only leave a row in `sending`; before anything
else goes to that chat, the row is reconciled: the sender asks Telegram whether one of the next
few message ids in the chat is ours with exactly this text (an edit to the same text is refused
as "not modified"; probing stops at the first id never used, since ids are sequential); found,
the row is `sent`; not found, it goes out again. So a restart
re-sends nothing that was delivered and loses nothing that was not. The residue, for the single
message that was in flight, is at-least-once: a transport that cannot probe (the terminal), a chat
whose last message id is unknown (just migrated), a busy group where more than `probe_span` other
messages came after ours, or a message deleted right after ours. The Bot API has no idempotency
key, so nothing short of probing can tell whether an unanswered send arrived.

One task per chat (at most `max_workers` at once, so replies to commands never queue behind a
long fan-out); all messages and replies to a chat pass one per-chat lock and the `Pacer`.
429 holds only its chat (the worker steps aside until the hold ends; 429s across chats also slow
the Pacer's global rate); 403 deactivates the subscriber; migrate_to_chat_id moves the
subscription; a 400 on the message fails that message. A command's reply is retried through
429s and logged when lost at last. An `edit` row rewrites the message of an alert already sent
(editMessageText): editing to the same text again is harmless, so an edit left in flight by a
crash is simply made again.

Before an alert goes out, the `fold` hook (the delivery service's) may turn the chat's waiting
alerts into one list of stories (delivery.bursts): the alerts become `folded` and the list is
queued in their place, in one transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from core.clock import Clock, SystemClock
from core.log import event
from delivery.pacing import Pacer
from delivery.transport import (
    ChatGone,
    ChatMoved,
    Rejected,
    RetryLater,
    SendError,
    Transport,
    Unsure,
)
from ops.metrics import Metrics
from storage.delivery_store import DeliveryStore, OutboxRow, Part

LOG = logging.getLogger(__name__)
FoldHook = Callable[[int, list[OutboxRow]], Sequence[Part]]


@dataclass
class SendStats:
    sent: int = 0
    retry_after: int = 0  # 429s received (each honoured by holding its chat)
    failed: int = 0
    deactivated: int = 0
    migrated: int = 0
    unsure: int = 0
    reconciled_found: int = 0
    reconciled_resent: int = 0
    edited: int = 0  # alerts edited in place


class OutboxSender:
    """Drains the outbox through a Transport, within Telegram's limits."""

    def __init__(
        self,
        store: DeliveryStore,
        transport: Transport,
        pacer: Pacer | None = None,
        clock: Clock | None = None,
        *,
        max_workers: int = 32,
        probe_span: int = 8,
        poll_s: float = 1.0,
        step_aside_s: float = 1.5,
        reply_attempts: int = 5,
        reply_patience_s: float = 60.0,
        on_sent: Callable[[OutboxRow, int], None] | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.transport = transport
        self.pacer = pacer or Pacer()
        self.clock = clock or SystemClock()
        self.max_workers = max_workers
        self.probe_span = probe_span
        self.poll_s = poll_s
        self.step_aside_s = step_aside_s
        self.reply_attempts = reply_attempts
        self.reply_patience_s = reply_patience_s
        self.on_sent = on_sent
        self.fold: FoldHook | None = None  # a chat's due alerts -> the parts listing them, or []
        self.stats = SendStats()
        self.metrics = metrics or Metrics()
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._snoozed: dict[int, float] = {}
        self._locks: dict[int, asyncio.Lock] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- life cycle -----------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name="outbox-sender")

    async def stop(self) -> None:
        """Stop sending. A message cut off in flight stays `sending` and is reconciled later."""
        tasks = [t for t in (self._task, *self._workers.values()) if t is not None]
        for task in tasks:
            task.cancel()
        # gather, not `suppress(CancelledError): await task`, which would also swallow a
        # cancel of the caller itself
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, Exception):  # the loop died of it earlier: say so once
                LOG.error("sender: %s ended with %r", task.get_name(), result)
        self._task = None
        self._workers.clear()

    def wake(self) -> None:
        """New messages were enqueued: look now rather than at the next poll."""
        self._wake.set()

    async def drain(self, timeout: float = 60.0) -> bool:
        """Wait until nothing is due and nothing is in flight (tests, one-shot runs)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while loop.time() < end:
            if not self._workers and not self.store.chats_with_work(self.clock.now(), 1):
                return True
            self.wake()
            await asyncio.sleep(0.05)
        return False

    async def run(self) -> None:
        while True:
            self._dispatch()
            self._wake.clear()
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that
            # arrives as the event is set, and stop() would then wait for this loop forever.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.poll_s):
                    await self._wake.wait()

    def _dispatch(self) -> None:
        free = self.max_workers - len(self._workers)
        if free <= 0:
            return
        mono = self.pacer_clock()
        self._snoozed = {c: t for c, t in self._snoozed.items() if t > mono}
        limit = free + len(self._workers) + len(self._snoozed)
        for chat_id in self.store.chats_with_work(self.clock.now(), limit):
            if free <= 0:
                break
            if chat_id in self._workers or chat_id in self._snoozed:
                continue
            self._workers[chat_id] = asyncio.create_task(
                self._chat_worker(chat_id), name=f"send:{chat_id}"
            )
            free -= 1

    def pacer_clock(self) -> float:
        return self.pacer.now()

    def lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = self._locks[chat_id] = asyncio.Lock()
        return lock

    def _release_lock(self, chat_id: int) -> None:
        lock = self._locks.get(chat_id)
        if lock is not None and not lock.locked():
            del self._locks[chat_id]

    # -- one chat -------------------------------------------------------------------------------

    async def _chat_worker(self, chat_id: int) -> None:
        try:
            while True:
                wait = self.pacer.chat_wait(chat_id)
                if wait > self.step_aside_s:  # held by a 429 or a group's minute: free the slot
                    self._snoozed[chat_id] = self.pacer_clock() + wait
                    return
                row = self.store.next_for_chat(chat_id, self.clock.now())
                if row is None:
                    return
                if row.kind == "alert" and row.state == "pending" and self._folded(chat_id):
                    continue  # the list of the burst is queued in the alerts' place
                async with self.lock(chat_id):
                    if row.kind == "edit":  # an edit is idempotent: in flight or not, do it
                        go_on = await self._edit(row)
                    elif row.state == "sending":
                        go_on = await self._reconcile(row)
                    else:
                        go_on = await self._send(row)
                if not go_on:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:  # one chat's trouble must not stop the others
            LOG.exception("sender: chat %s failed", chat_id)
            self._snoozed[chat_id] = self.pacer_clock() + 30.0
        finally:
            self._workers.pop(chat_id, None)
            self._release_lock(chat_id)
            self._wake.set()

    def _folded(self, chat_id: int) -> bool:
        """Fold the chat's waiting alerts when the fold hook makes a list of them."""
        if self.fold is None:
            return False
        due = self.store.due_alerts(chat_id, self.clock.now())
        parts = self.fold(chat_id, due) if len(due) > 1 else ()
        if not parts:
            return False
        ids = self.store.fold(chat_id, due, parts, self.clock.now())
        if ids:
            event("outbox", "telegram", chat=chat_id, folded=len(due), parts=len(ids))
        return bool(ids)

    async def _send(self, row: OutboxRow) -> bool:
        """Send one row; False when the chat's worker should stop."""
        chat_id = row.chat_id
        await self.pacer.acquire(chat_id)
        sub = self.store.subscriber(chat_id)
        prev = sub.last_message_id if sub is not None else 0
        self.store.mark_sending(row.id, prev)
        try:
            message_id = await self.transport.send(
                chat_id, row.text, row.thread_id, preview=row.preview
            )
        except SendError as exc:
            return self._failed(row, exc)
        self.store.mark_sent(row.id, chat_id, message_id, self.clock.now())
        self.stats.sent += 1
        self.metrics.messages_sent.inc()
        if self.on_sent is not None:
            self.on_sent(row, message_id)
        return True

    async def _edit(self, row: OutboxRow) -> bool:
        """Edit the message of the alert `row.edit_of` to the row's text; False when the
        chat's worker should stop."""
        chat_id = row.chat_id
        message_id = self.store.edits.message_of(row.edit_of) if row.edit_of else None
        if message_id is None:
            self.store.mark_failed(row.id, "the message to edit was never sent")
            return True
        await self.pacer.acquire(chat_id)
        self.store.mark_sending(row.id, message_id)
        try:
            await self.transport.edit(chat_id, message_id, row.text, preview=row.preview)
        except SendError as exc:
            if isinstance(exc, Unsure):  # editing again is harmless: come back to it
                self.store.mark_pending(row.id, str(exc), row.not_before)
                self._snoozed[chat_id] = self.pacer_clock() + 5.0
                return False
            return self._failed(row, exc)
        self.store.mark_sent(row.id, chat_id, message_id, self.clock.now())
        self.stats.edited += 1
        event("outbox", "telegram", outbox=row.id, chat=chat_id, edited=message_id)
        return True

    def _count_429(self) -> None:
        self.stats.retry_after += 1
        self.metrics.telegram_429.inc()

    async def _reconcile(self, row: OutboxRow) -> bool:
        """A row left in flight: find it in the chat, or send it again."""
        chat_id = row.chat_id
        prev = row.prev_message_id
        if not self.transport.can_probe or prev is None:
            self.store.mark_pending(row.id, "re-sent after an unanswered send", row.not_before)
            self.stats.reconciled_resent += 1
            return True
        for message_id in range(prev + 1, prev + 1 + self.probe_span):
            while True:
                await self.pacer.acquire(chat_id)
                try:
                    found = await self.transport.probe(
                        chat_id, message_id, row.text, preview=row.preview
                    )
                except RetryLater as exc:
                    self.pacer.hold(chat_id, exc.seconds)
                    self._count_429()
                    continue
                except SendError as exc:
                    return self._failed(row, exc, probing=True)
                break
            if found:
                self.store.mark_sent(row.id, chat_id, message_id, self.clock.now())
                self.stats.reconciled_found += 1
                event("outbox", "telegram", outbox=row.id, chat=chat_id, reconciled="found")
                return True
            if found is None:
                break  # ids are sequential: nothing exists after an id that was never used
        self.store.mark_pending(row.id, "not found after an unanswered send", row.not_before)
        self.stats.reconciled_resent += 1
        event("outbox", "telegram", outbox=row.id, chat=chat_id, reconciled="resend")
        return True

    def _failed(self, row: OutboxRow, exc: SendError, probing: bool = False) -> bool:
        chat_id = row.chat_id
        now = self.clock.now()
        if isinstance(exc, RetryLater):
            self.pacer.hold(chat_id, exc.seconds)
            self._count_429()
            self.store.mark_pending(row.id, str(exc), row.not_before)
            return True
        if isinstance(exc, ChatGone):
            self.store.deactivate(chat_id, f"telegram: {exc}", now)
            self.pacer.forget(chat_id)
            self.stats.deactivated += 1
            event(
                "subscriber", "telegram", level=logging.WARNING, chat=chat_id, deactivated=str(exc)
            )
            return False
        if isinstance(exc, ChatMoved):
            self.store.migrate_chat(chat_id, exc.new_chat_id)
            self.pacer.forget(chat_id)
            self.stats.migrated += 1
            event("subscriber", "telegram", chat=chat_id, migrated_to=exc.new_chat_id)
            return False  # the rows now belong to the new chat id; the dispatcher picks it up
        if isinstance(exc, Rejected) and probing:
            self.store.mark_pending(row.id, f"probe refused ({exc}): re-sent", row.not_before)
            self.stats.reconciled_resent += 1
            return True
        if isinstance(exc, Rejected):
            self.store.mark_failed(row.id, str(exc))
            self.stats.failed += 1
            event("outbox", "telegram", level=logging.ERROR, outbox=row.id, chat=chat_id,
                  rejected=str(exc))  # fmt: skip
            return True
        # Unsure (timeout, network) or a probe that could not complete: leave the row in
        # `sending`, come back to reconcile it after a pause.
        self.stats.unsure += 1
        self._snoozed[chat_id] = self.pacer_clock() + 5.0
        event("outbox", "telegram", level=logging.WARNING, outbox=row.id, chat=chat_id,
              unsure=str(exc))  # fmt: skip
        return False

    # -- replies to commands --------------------------------------------------------------------

    async def reply(
        self, chat_id: int, text: str, thread_id: int | None = None, markup: Any = None
    ) -> int | None:
        """Send a command's answer now (through the chat's lock and the pacer, not the outbox:
        a lost reply is answered by asking again). A 429 holds the chat, and the answer goes
        again when the hold ends, up to `reply_attempts` tries and unless Telegram asks for
        more than `reply_patience_s`; an answer lost at last is logged. Returns the message
        id, None if not sent."""
        lost = ""
        for _ in range(self.reply_attempts):
            async with self.lock(chat_id):
                await self.pacer.acquire(chat_id)  # waits out any hold of the chat
                try:
                    message_id = await self.transport.send(chat_id, text, thread_id, markup)
                except RetryLater as exc:
                    self.pacer.hold(chat_id, exc.seconds)
                    self._count_429()
                    lost = str(exc)
                    if exc.seconds > self.reply_patience_s:
                        break
                    continue
                except ChatGone as exc:
                    self.store.deactivate(chat_id, f"telegram: {exc}", self.clock.now())
                    return None
                except SendError as exc:  # refused, or unsure: sending again could repeat it
                    lost = str(exc)
                    break
                self.store.note_message_id(chat_id, message_id)
                return message_id
        event("reply", "telegram", level=logging.WARNING, chat=chat_id, lost=lost)
        return None

    async def edit(self, chat_id: int, message_id: int, text: str, markup: Any = None) -> None:
        async with self.lock(chat_id):
            await self.pacer.acquire(chat_id)
            try:
                await self.transport.edit(chat_id, message_id, text, markup)
            except SendError as exc:
                LOG.warning("edit in %s failed: %s", chat_id, exc)
