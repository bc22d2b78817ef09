"""ops.httpserver over a real socket on 127.0.0.1: /healthz 200 and 503, /metrics, 404, and
clients that send garbage, too much, or nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry

from core.clock import FixedClock
from ops.httpserver import Health, OpsServer, assess, parse_listen
from ops.metrics import Metrics

T0 = datetime(2026, 8, 13, 4, 0, tzinfo=UTC)


class State:
    """What the service would report; tests change it between requests."""

    def __init__(self) -> None:
        self.health = Health(ready=True, last_successful_cycle=T0, pending_outbox=3)

    def __call__(self) -> Health:
        return self.health


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def registry() -> CollectorRegistry:
    metrics = Metrics()
    metrics.matches.labels(topic='a "b"').inc()
    return metrics.registry


@pytest.fixture
async def server(
    clock: FixedClock, registry: CollectorRegistry
) -> AsyncIterator[tuple[OpsServer, State]]:
    state = State()
    srv = OpsServer(
        state,
        port=0,
        registry=registry,
        clock=clock,
        stale_after=timedelta(minutes=30),
        read_timeout_s=0.5,
        max_request_bytes=1024,
    )
    async with srv:
        yield srv, state


def client() -> httpx.AsyncClient:
    return httpx.AsyncClient(trust_env=False, timeout=5.0)  # no proxy from the environment


async def test_healthz_ok(server: tuple[OpsServer, State], clock: FixedClock) -> None:
    srv, _ = server
    clock.advance(60)
    async with client() as http:
        response = await http.get(f"{srv.url}/healthz")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "ready": True,
        "last_successful_cycle": "2026-08-13T04:00:00+00:00",
        "last_cycle_age_seconds": 60.0,
        "pending_outbox": 3,
        "stale_after_seconds": 1800.0,
    }


async def test_healthz_503_when_not_ready_or_stale(
    server: tuple[OpsServer, State], clock: FixedClock
) -> None:
    srv, state = server
    async with client() as http:
        state.health = Health(ready=False, pending_outbox=0)
        response = await http.get(f"{srv.url}/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "not_ready"
        assert response.json()["last_successful_cycle"] is None

        state.health = Health(ready=True, last_successful_cycle=T0, pending_outbox=5)
        clock.advance(31 * 60)
        response = await http.get(f"{srv.url}/healthz")
        assert response.status_code == 503
        assert response.json()["status"] == "stale"
        assert response.json()["pending_outbox"] == 5

        state.health = Health(
            ready=True, last_successful_cycle=clock.now(), details={"sources": 12}
        )
        response = await http.get(f"{srv.url}/healthz")
        assert response.status_code == 200
        assert response.json()["sources"] == 12


async def test_health_callable_may_be_async_a_mapping_and_may_fail(clock: FixedClock) -> None:
    async def good() -> Health:
        return Health(ready=True, last_successful_cycle=T0)

    def as_dict() -> dict[str, object]:  # what runner.service.Service.status() returns
        return {
            "ready": True,
            "last_successful_cycle": "2026-08-13T04:00:00+00:00",
            "pending_outbox": 4,
            "sources": 25,
            "paused": ["GDELT Sahel"],
        }

    def broken() -> Health:
        raise RuntimeError("store is locked")

    async with client() as http:
        async with OpsServer(good, clock=clock) as srv:
            assert (await http.get(f"{srv.url}/healthz")).status_code == 200
        async with OpsServer(as_dict, clock=clock) as srv:
            response = await http.get(f"{srv.url}/healthz")
            assert response.status_code == 200
            body = response.json()
            assert (body["status"], body["pending_outbox"], body["paused"]) == (
                "ok",
                4,
                ["GDELT Sahel"],
            )
            assert body["last_successful_cycle"] == "2026-08-13T04:00:00+00:00"
        async with OpsServer(broken, clock=clock) as srv:
            response = await http.get(f"{srv.url}/healthz")
            assert response.status_code == 503
            assert response.json() == {"status": "error", "ready": False, "error": "RuntimeError"}
            # the server is still there after a failing health()
            assert (await http.get(f"{srv.url}/metrics")).status_code == 200


async def test_metrics_and_not_found(server: tuple[OpsServer, State]) -> None:
    srv, _ = server
    async with client() as http:
        response = await http.get(f"{srv.url}/metrics?x=1")
        assert response.status_code == 200
        assert response.headers["content-type"] == CONTENT_TYPE_LATEST
        assert (
            "# HELP sahelwatch_matches_total Items that matched a topic, by topic.\n"
            "# TYPE sahelwatch_matches_total counter\n"
            'sahelwatch_matches_total{topic="a \\"b\\""} 1.0\n'
        ) in response.text
        assert "_created" not in response.text  # no series the old client did not have
        assert (await http.get(f"{srv.url}/")).status_code == 404
        assert (await http.get(f"{srv.url}/healthz/x")).status_code == 404
        assert (await http.post(f"{srv.url}/metrics")).status_code == 405
        head = await http.head(f"{srv.url}/metrics")
        assert head.status_code == 200 and head.content == b""


async def raw(srv: OpsServer, payload: bytes, close_write: bool = True) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    writer.write(payload)
    await writer.drain()
    if close_write:
        writer.write_eof()
    data = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return data


async def test_garbage_slow_and_huge_clients_do_not_kill_it(
    server: tuple[OpsServer, State],
) -> None:
    srv, _ = server
    assert (await raw(srv, b"\x00\xff garbage\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    assert (await raw(srv, b"GET /healthz\r\n\r\n")).startswith(b"HTTP/1.1 400 ")
    assert (await raw(srv, b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n")).startswith(
        b"HTTP/1.1 431 "
    )
    padded = b"GET /healthz HTTP/1.1\r\n" + b"X-Pad: " + b"p" * 100 + b"\r\n"
    too_many = b"GET /healthz HTTP/1.1\r\n" + (b"X-Pad: " + b"p" * 100 + b"\r\n") * 20 + b"\r\n"
    assert (await raw(srv, padded + b"\r\n")).startswith(b"HTTP/1.1 200 ")
    assert (await raw(srv, too_many)).startswith(b"HTTP/1.1 431 ")
    assert await raw(srv, b"") == b""  # connect and hang up: no answer, no error
    assert await raw(srv, b"GET /healthz HTTP/1.1\r\nHost: x\r\n") == b""  # cut off mid-head
    # a client that sends half a request and waits gets 408 after the read deadline
    assert (await raw(srv, b"GET /healthz HTTP/1.1\r\n", close_write=False)).startswith(
        b"HTTP/1.1 408 "
    )
    # a bare-LF request from a hand-typed netcat session is understood
    assert (await raw(srv, b"GET /healthz HTTP/1.0\n\n")).startswith(b"HTTP/1.1 200 ")
    async with client() as http:
        assert (await http.get(f"{srv.url}/healthz")).status_code == 200


def test_assess_before_the_first_cycle_uses_the_start_time() -> None:
    stale = timedelta(minutes=10)
    fresh = assess(Health(ready=True), T0 + timedelta(minutes=5), T0, stale)
    late = assess(Health(ready=True), T0 + timedelta(minutes=11), T0, stale)
    assert fresh[0] == 200 and fresh[1]["last_successful_cycle"] is None
    assert late[0] == 503 and late[1]["status"] == "stale"
    naive = assess(Health(ready=True, last_successful_cycle=datetime(2026, 8, 13, 4)), T0, T0, None)
    assert naive[0] == 200 and naive[1]["last_successful_cycle"] == "2026-08-13T04:00:00+00:00"


def test_listen_addresses() -> None:
    assert parse_listen("0.0.0.0:8080") == ("0.0.0.0", 8080)
    assert parse_listen(":9100") == ("127.0.0.1", 9100)
    assert parse_listen("9100") == ("127.0.0.1", 9100)
    assert parse_listen("[::1]:8080") == ("::1", 8080)
    for bad in ("host:", "host:http", "1:99999", "[::1]8080"):
        with pytest.raises(ValueError, match="SAHELWATCH_HTTP"):
            parse_listen(bad)
