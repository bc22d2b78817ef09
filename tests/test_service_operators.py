"""The operators' commands on the real implementations (issue 17: no fake Operations) and in
an operator's terms (issue 14, point 8): runner.service.Service in this process, its bot long
polling the local Bot API server. /pause and /resume take names in any case, say when there
is nothing to do, and suggest a near name; /reload refuses a broken file and, once fixed,
every admin hears the rules run again (so does the live-reload path); /sources of 80 sources
splits over several messages; /stats speaks of stories, alerts, subscribers and sources. Their
effects are checked where they land: a paused source's feed is not fetched and a resumed one
is fetched at once; a reloaded file changes what is polled, and a refused one leaves it as it
was, with each error's file:line:column in the answer. Every wait is a bounded poll on a
condition."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from runner.live import Live
from runner.service import Service
from tests.fakebotapi import FakeBotAPI, Sent
from tests.feedserver import FeedServer
from tests.service_support import rss, rules_text, source

TOKEN = "5550003:AAH-operators-T0KEN"
ADMIN, OTHER_ADMIN = 900, 901
MANY = [f"Regional outlet number {i:03d} with a long name for the table" for i in range(80)]
NAMED = ("Al Jazeera Arabic", "RFI Afrique", "Libya Observer")  # each with a feed of its own


def feed_path(name: str) -> str:
    return "/" + name.lower().replace(" ", "-") + ".xml"


def rules(feeds: FeedServer, *extra: str, named: tuple[str, ...] = NAMED[:2]) -> str:
    """The rules of these tests: the `named` sources and `extra` ones, hourly, and MANY
    disabled ones."""
    sources = [source(name, feeds.url(feed_path(name)), every="1h") for name in (*named, *extra)]
    sources += [{**source(name, feeds.url("/a.xml")), "enabled": False} for name in MANY]
    return rules_text(
        sources, fetch={"min_every": "1s", "parse_workers": 0},
        access={"mode": "open", "admins": [ADMIN, OTHER_ADMIN]},
    )  # fmt: skip


async def until(condition: Callable[[], Any], what: str) -> Any:
    for _ in range(1000):
        value = condition()
        if value:
            return value
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Running:
    service: Service
    api: FakeBotAPI
    path: Path

    async def say(self, text: str, count: int = 1, chat: int = ADMIN) -> list[Sent]:
        before = len(self.api.messages_to(chat))
        self.api.user_message(chat, text)
        await until(lambda: len(self.api.messages_to(chat)) >= before + count, f"answer to {text}")
        return self.api.messages_to(chat)[before:]


@pytest.fixture
def api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as server:
        yield server


@pytest.fixture
async def running(tmp_path: Path, feeds: FeedServer, api: FakeBotAPI) -> AsyncIterator[Running]:
    for name in NAMED:
        slug = feed_path(name)[1:-4]
        feeds.add(feed_path(name), rss(slug, [f"Weather report {slug}", f"Cooking show {slug}"]))
    path = tmp_path / "rules.yaml"
    path.write_text(rules(feeds), encoding="utf-8")
    service = Service(str(path), str(tmp_path / "state"), token=TOKEN, api_url=api.url)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        await until(lambda: service.ready, "the service running")
        yield Running(service, api, path)
    finally:
        stop.set()
        await task
        await service.close()


async def test_pause_and_resume_run_the_real_service(running: Running) -> None:
    service = running.service
    [paused] = await running.say("/pause rfi AFRIQUE")
    assert "Paused: RFI Afrique." in paused.plain
    assert service.pipeline.paused_by_admin() == ["RFI Afrique"]
    assert service.store.load_health()[
        "RFI Afrique"
    ].paused_by_admin  # stored: it survives a restart
    [again] = await running.say("/pause RFI Afrique")
    assert "RFI Afrique is already paused" in again.plain
    [running_one] = await running.say("/resume al jazeera arabic")
    assert running_one.plain == "Al Jazeera Arabic is not paused: it is running."
    [near] = await running.say("/resume RFI Afrik")
    assert near.plain == "No source named RFI Afrik. Did you mean RFI Afrique?"
    [resumed] = await running.say("/resume rfi afrique")
    assert "Resumed: RFI Afrique." in resumed.plain
    assert service.pipeline.paused_by_admin() == []
    [stranger] = await running.say("/pause RFI Afrique", chat=4242)
    assert "operators" in stranger.plain and service.pipeline.paused_by_admin() == []


async def test_reload_refuses_a_broken_file_and_admins_hear_when_it_is_fixed(
    running: Running, feeds: FeedServer
) -> None:
    service, api = running.service, running.api
    running.path.write_text(rules(feeds).replace("threshold:", "threshold: [", 1), encoding="utf-8")
    [refused] = await running.say("/reload")
    assert "Rules NOT reloaded" in refused.plain and "rules.yaml:" in refused.plain
    assert len(service.rules.sources) == 2 + len(MANY)  # the old rules keep running

    running.path.write_text(rules(feeds, "Libya Observer"), encoding="utf-8")
    await running.say("/reload", count=2)  # the answer, and the notice to every admin
    assert any(m.plain == "Rules reloaded." for m in api.messages_to(ADMIN))
    for admin in (ADMIN, OTHER_ADMIN):
        await until(
            lambda a=admin: any("is valid again" in m.plain for m in api.messages_to(a)),  # type: ignore[misc]  # a default binds the loop's admin
            f"the notice to {admin}",
        )
    [notice] = [m for m in api.messages_to(OTHER_ADMIN) if "valid again" in m.plain]
    assert (
        notice.plain.startswith("✅")
        and f"({len(service.rules.topics)} topics, 83 sources)" in notice.plain
    )
    assert "Libya Observer" in {s.name for s in service.rules.sources}


async def test_the_live_reload_path_also_tells_admins_the_rules_run_again(
    running: Running, feeds: FeedServer
) -> None:
    api = running.api
    live = Live(running.service, reload_every_s=3600)  # polled by hand below
    live.watcher.settle_s = 0
    running.path.write_text(rules(feeds).replace("threshold:", "threshold: [", 1), encoding="utf-8")
    assert await live.watcher.poll_once()
    await until(
        lambda: any("edit refused" in m.plain for m in api.messages_to(OTHER_ADMIN)), "refusal"
    )
    running.path.write_text(rules(feeds, "Libya Observer"), encoding="utf-8")
    assert await live.watcher.poll_once()
    await until(
        lambda: any("valid again" in m.plain for m in api.messages_to(OTHER_ADMIN)), "fixed"
    )
    assert "Libya Observer" in {s.name for s in running.service.rules.sources}


async def test_reload_reads_the_file_as_it_is_now_and_the_watcher_does_not_apply_it_again(
    running: Running, feeds: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    service, path = running.service, running.path
    live = Live(service, reload_every_s=3600)  # polled by hand below
    live.watcher.settle_s = 0
    assert service.reload() == []  # unchanged, but asked for: read, checked and applied
    path.write_text(rules(feeds).replace("threshold:", "threshold: [", 1), encoding="utf-8")
    errors = service.reload()
    assert errors and all(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", e) for e in errors)
    path.write_text(rules(feeds, "Libya Observer"), encoding="utf-8")
    assert service.reload() == []
    applied: list[object] = []
    monkeypatch.setattr(service, "apply", applied.append)
    assert await live.watcher.poll_once()  # the watcher sees the edit ...
    assert applied == []  # ... that /reload has applied already


async def test_sources_splits_and_stats_speaks_an_operators_language(running: Running) -> None:
    parts = await running.say("/sources", count=2)
    assert all(len(m.plain) <= 4096 for m in parts)
    listed = "\n".join(m.plain for m in running.api.messages_to(ADMIN))
    assert all(name in listed for name in MANY) and "(1/" in listed
    await running.say("/start")
    [stats] = await running.say("/stats")
    assert "New stories:" in stats.plain and "Subscribers: 1 (instant 1)" in stats.plain
    assert (
        f"Sources: {2 + len(MANY)}" in stats.plain and "Messages waiting to be sent" in stats.plain
    )


def polled(service: Service, name: str) -> bool:
    """Whether the source's latest scheduled run is over: its job is waiting for the next
    check, half an hour or more away (the sources here are hourly)."""
    nxt = service.watch.next_run(name)
    return nxt is not None and nxt > service.clock.now() + timedelta(minutes=30)


async def test_a_paused_source_is_not_fetched_and_a_resumed_one_is_at_once(
    running: Running, feeds: FeedServer
) -> None:
    service = running.service
    rfi, jazeera = feed_path("RFI Afrique"), feed_path("Al Jazeera Arabic")
    await until(lambda: polled(service, "RFI Afrique"), "the first poll of RFI Afrique")
    await until(lambda: polled(service, "Al Jazeera Arabic"), "the first poll of Al Jazeera")
    assert feeds.hits(rfi) == 1 and feeds.hits(jazeera) == 1
    [paused] = await running.say("/pause RFI Afrique")
    assert "Paused: RFI Afrique." in paused.plain

    for name in ("RFI Afrique", "Al Jazeera Arabic"):  # both due now, as after their hour
        service.watch.add(service.watch.sources[name])
    await until(lambda: polled(service, "RFI Afrique"), "the paused source's turn")
    await until(lambda: feeds.hits(jazeera) == 2, "the other source fetched")
    assert feeds.hits(rfi) == 1  # its turn came and went: nothing fetched
    assert service.pipeline.health("RFI Afrique").paused_by_admin

    [resumed] = await running.say("/resume RFI Afrique")
    assert "Resumed: RFI Afrique." in resumed.plain
    await until(lambda: feeds.hits(rfi) == 2, "the resumed source fetched at once")
    await until(lambda: polled(service, "RFI Afrique"), "its next turn in an hour")
    assert not service.pipeline.health("RFI Afrique").paused_by_admin


async def test_reload_changes_what_is_polled_or_refuses_with_each_errors_place(
    running: Running, feeds: FeedServer
) -> None:
    service = running.service
    before = service.rules
    good = rules(feeds)
    broken = good.replace("- entity: ", "- entity: nope_", 1)  # a term naming no entity
    line_no, line = next((n, t) for n, t in enumerate(broken.splitlines(), 1) if "nope_" in t)
    running.path.write_text(broken, encoding="utf-8")
    [refused] = await running.say("/reload")
    assert "Rules NOT reloaded" in refused.plain
    place = f"{running.path}:{line_no}:{line.index('nope_') + 1}: "
    assert place + "topic " in refused.plain and "unknown entity 'nope_" in refused.plain
    assert service.rules is before and service.delivery.rules is before  # the old rules run
    assert set(service.watch.sources) == {"Al Jazeera Arabic", "RFI Afrique"}

    observer = feed_path("Libya Observer")
    running.path.write_text(rules(feeds, named=("RFI Afrique", "Libya Observer")), "utf-8")
    await running.say("/reload", count=2)  # the answer, and the notice that rules run again
    assert any(m.plain == "Rules reloaded." for m in running.api.messages_to(ADMIN))
    assert set(service.watch.sources) == {"RFI Afrique", "Libya Observer"}
    assert service.delivery.rules is service.rules and service.rules is not before
    await until(lambda: feeds.hits(observer) == 1, "the new source fetched at once")
    [gone] = await running.say("/pause Al Jazeera Arabic")  # no longer in the rules
    assert gone.plain.startswith("No source named Al Jazeera Arabic.")
