"""The rate limiter: Telegram's limits kept on our side, so 429s stay rare.

Per chat a token bucket (about one message a second, bursts of a few); per group or channel also
at most 20 messages in any minute; across all chats at most `global_rate` messages in any second
(just under Telegram's 30), one at a time through a FIFO gate. A 429's `retry_after` holds only
its own chat: other chats keep going. (PTB's AIORateLimiter pauses every chat on one 429.)

When Telegram throttles the bot as a whole (429s for several chats at once, not one chat's
flood), the global rate adapts, AIMD-like: 429s from `backoff_chats` different chats within
`backoff_window_s` multiply it by `backoff_factor` (not below `min_global_rate`), and every
second without that adds `recover_per_s` back, up to `global_rate`. Every chat is slowed only by
that shared rate; only a chat that drew a 429 is held. `Unpaced` is the pacer of the terminal,
which has no such limits.

One sender task per chat calls `acquire(chat_id)` before each send; per-chat state is therefore
never touched by two tasks at once, and the global gate is an asyncio.Lock (FIFO) over a sliding
one-second window. Time comes from an injected monotonic clock and sleep, so tests can drive it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.log import event
from ops.metrics import Metrics

Sleep = Callable[[float], Awaitable[None]]


@dataclass(slots=True)
class _Chat:
    tokens: float
    stamp: float
    hold_until: float = 0.0
    window: deque[float] | None = None  # send times of the last minute (groups only)
    last_used: float = 0.0


@dataclass(frozen=True)
class Limits:
    global_rate: float = 29.0  # at most this many in any second, across all chats (Telegram: 30)
    global_min_gap_s: float = 1 / 45  # and never closer than this (no bursts after a stall)
    chat_rate: float = 1.0  # per chat, steady
    chat_burst: float = 3.0  # per chat, short bursts
    group_per_minute: int = 20  # groups, supergroups and channels
    idle_forget_s: float = 120.0  # drop a chat's state after this long unused
    backoff_chats: int = 2  # 429s from this many chats ...
    backoff_window_s: float = 2.0  # ... within this many seconds: a global throttle
    backoff_factor: float = 0.5  # which multiplies the global rate by this
    min_global_rate: float = 1.0  # (never below this many a second)
    recover_per_s: float = 1.0  # then each second without one adds this much back


class Pacer:
    """Waits as long as needed before each message so every limit holds."""

    def __init__(
        self,
        limits: Limits | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        *,
        metrics: Metrics | None = None,
    ) -> None:
        self.limits = limits or Limits()
        self._rate_gauge = (metrics or Metrics()).telegram_send_rate
        self._mono = monotonic
        self._sleep = sleep
        self._chats: dict[int, _Chat] = {}
        self._next_slot = 0.0
        self._window: deque[float] = deque()
        self._lock = asyncio.Lock()
        self._sweep_at = 0.0
        self.holds = 0  # retry_after holds honoured
        self.rate = self.limits.global_rate  # the global rate now (see current_rate)
        self._rate_at = monotonic()
        self._throttled: deque[tuple[float, int]] = deque()  # recent 429s: (time, chat)
        self._rate_gauge.set(self.rate)

    def now(self) -> float:
        """The pacer's monotonic reading."""
        return self._mono()

    @staticmethod
    def is_group(chat_id: int) -> bool:
        """Groups, supergroups and channels have negative ids."""
        return chat_id < 0

    def _chat(self, chat_id: int, now: float) -> _Chat:
        state = self._chats.get(chat_id)
        if state is None:
            state = _Chat(tokens=self.limits.chat_burst, stamp=now)
            if self.is_group(chat_id):
                state.window = deque(maxlen=self.limits.group_per_minute)
            self._chats[chat_id] = state
        return state

    def chat_wait(self, chat_id: int) -> float:
        """Seconds this chat must still wait (hold, bucket, group window); 0 when it may send."""
        now = self._mono()
        state = self._chat(chat_id, now)
        lim = self.limits
        state.tokens = min(lim.chat_burst, state.tokens + (now - state.stamp) * lim.chat_rate)
        state.stamp = now
        waits = [state.hold_until - now, (1.0 - state.tokens) / lim.chat_rate]
        window = state.window
        if window is not None and len(window) >= lim.group_per_minute:
            waits.append(window[0] + 60.0 - now)
        return max(0.0, *waits)

    async def acquire(self, chat_id: int) -> None:
        """Return when a message to `chat_id` may go out now."""
        while True:
            wait = self.chat_wait(chat_id)
            if wait <= 0:
                break
            await self._sleep(wait)
        sent_at = await self._global_gate()
        state = self._chat(chat_id, sent_at)
        state.tokens -= 1.0
        state.last_used = sent_at
        if state.window is not None:
            state.window.append(sent_at)
        self._maybe_sweep(sent_at)

    async def _global_gate(self) -> float:
        """One message at a time through the global gate (FIFO): at most the current global
        rate in the trailing second, spaced by at least `global_min_gap_s` (by 1/rate while
        backing off), measured from the actual times (so a stalled event loop never releases a
        burst)."""
        lim = self.limits
        async with self._lock:
            while True:
                now = self._mono()
                rate = self.current_rate(now)
                window = self._window
                while window and now - window[0] >= 1.0:
                    window.popleft()
                wait = self._next_slot - now
                if len(window) >= max(1, int(rate)):  # (+1 ms: a second is never rounded down)
                    wait = max(wait, window[0] + 1.001 - now)
                if wait <= 0:
                    break
                await self._sleep(wait)
            gap = lim.global_min_gap_s if rate >= lim.global_rate else 1.0 / rate
            self._next_slot = now + max(lim.global_min_gap_s, gap)
            window.append(now)
            return now

    def current_rate(self, now: float | None = None) -> float:
        """The global rate (messages a second) after the recovery since it was last set."""
        now = self._mono() if now is None else now
        lim = self.limits
        if self.rate < lim.global_rate and now > self._rate_at:
            self.rate = min(lim.global_rate, self.rate + (now - self._rate_at) * lim.recover_per_s)
            self._rate_gauge.set(self.rate)
            if self.rate >= lim.global_rate:
                event("pacing", "telegram", rate=self.rate, recovered=True)
        self._rate_at = max(self._rate_at, now)
        return self.rate

    def _throttle_seen(self, chat_id: int, now: float) -> None:
        """A 429 for `chat_id`: when chats enough drew one lately, Telegram is throttling the
        bot as a whole, and the global rate backs off (once per set of 429s)."""
        lim = self.limits
        recent = self._throttled
        recent.append((now, chat_id))
        while recent and now - recent[0][0] > lim.backoff_window_s:
            recent.popleft()
        chats = len({chat for _, chat in recent})
        if chats < lim.backoff_chats:
            return
        recent.clear()  # the next cut needs 429s drawn after this one
        before = self.current_rate(now)
        self.rate = max(lim.min_global_rate, before * lim.backoff_factor)
        self._rate_at = now
        self._next_slot = max(self._next_slot, now + 1.0 / self.rate)
        self._rate_gauge.set(self.rate)
        event(
            "pacing", "telegram", level=logging.WARNING,
            rate=round(self.rate, 2), was=round(before, 2), throttled_chats=chats,
        )  # fmt: skip

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said retry_after for this chat: hold it (and only it), and count the 429
        towards a global back-off."""
        now = self._mono()
        state = self._chat(chat_id, now)
        state.hold_until = max(state.hold_until, now + max(0.0, seconds))
        state.tokens = min(state.tokens, 0.0)
        self.holds += 1
        self._throttle_seen(chat_id, now)

    def held_until(self, chat_id: int) -> float:
        state = self._chats.get(chat_id)
        return 0.0 if state is None else state.hold_until

    def forget(self, chat_id: int) -> None:
        self._chats.pop(chat_id, None)

    def tracked(self) -> int:
        return len(self._chats)

    def _maybe_sweep(self, now: float) -> None:
        if now < self._sweep_at:
            return
        self._sweep_at = now + 30.0
        idle = self.limits.idle_forget_s
        stale = [
            cid
            for cid, s in self._chats.items()
            if now - s.last_used > idle
            and s.hold_until < now
            and (s.window is None or not s.window or now - s.window[-1] > 60.0)
        ]
        for cid in stale:
            del self._chats[cid]


class Unpaced(Pacer):
    """No limits: for the terminal, which is not Telegram (a burst prints at once). A hold
    (never asked for by the terminal) is still honoured."""

    def chat_wait(self, chat_id: int) -> float:
        return max(0.0, self.held_until(chat_id) - self.now())

    async def acquire(self, chat_id: int) -> None:
        wait = self.chat_wait(chat_id)
        if wait > 0:
            await self._sleep(wait)
