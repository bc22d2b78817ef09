"""The Pacer on a virtual clock: per-chat bursts then one a second, 20 a minute per group, at most
29 in any second overall, and a retry_after hold that delays only its own chat."""

from __future__ import annotations

import asyncio
import itertools

from delivery.pacing import Limits, Pacer


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def pacer(limits: Limits | None = None) -> tuple[Pacer, VirtualTime]:
    vt = VirtualTime()
    return Pacer(limits, vt.monotonic, vt.sleep), vt


async def send_times(p: Pacer, vt: VirtualTime, chat: int, n: int) -> list[float]:
    out = []
    for _ in range(n):
        await p.acquire(chat)
        out.append(round(vt.now, 3))
    return out


async def test_private_chat_bursts_then_one_a_second() -> None:
    p, vt = pacer()
    times = await send_times(p, vt, 42, 6)
    assert times[:3] == [0.0, round(1 / 45, 3), round(2 / 45, 3)]  # a burst of 3, spaced
    gaps = [b - a for a, b in itertools.pairwise(times[2:])]
    assert all(g >= 0.9 for g in gaps)


async def test_group_gets_at_most_20_a_minute() -> None:
    p, vt = pacer(Limits(chat_rate=100.0, chat_burst=100.0))
    times = await send_times(p, vt, -100, 25)
    assert times[19] < 60.0 <= times[20]
    assert all(times[i + 20] - times[i] >= 60.0 for i in range(5))


async def test_global_cap_in_any_second() -> None:
    p, vt = pacer()
    times = []
    for chat in range(1, 101):
        await p.acquire(chat)
        times.append(vt.now)
    for i, t in enumerate(times):
        in_window = [u for u in times[i:] if u - t < 1.0]
        assert len(in_window) <= 29
    assert times[-1] - times[0] < 100 / 29 + 1  # and not much slower than the cap


async def test_hold_applies_to_its_chat_only() -> None:
    p, vt = pacer()
    p.hold(7, 30.0)
    assert p.chat_wait(7) == 30.0
    assert p.chat_wait(8) == 0.0
    await p.acquire(8)
    assert vt.now < 1.0  # chat 8 was not stalled
    await p.acquire(7)
    assert vt.now >= 30.0
    assert p.holds == 1
