"""ops.metrics: the names, types, labels and buckets /metrics shows (the contract dashboards and
alerts rely on), one registry per service, and the outbox depth read live at scrape time."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime
from pathlib import Path

import httpx
from prometheus_client import generate_latest

from ops.metrics import LATENCY_BUCKETS, Metrics
from runner.live import Live
from runner.service import Service
from storage.delivery_store import Part
from tests.service_support import rules_text, source

NOW = datetime(2026, 8, 13, 4, 0, tzinfo=UTC)


def text(metrics: Metrics) -> str:
    return generate_latest(metrics.registry).decode()


def test_every_project_metric_with_its_type_and_help() -> None:
    exposed = text(Metrics())
    for name, kind in [
        ("sahelwatch_polls_total", "counter"),
        ("sahelwatch_poll_errors_total", "counter"),
        ("sahelwatch_poll_seconds", "histogram"),
        ("sahelwatch_items_total", "counter"),
        ("sahelwatch_matches_total", "counter"),
        ("sahelwatch_stories_total", "counter"),
        ("sahelwatch_messages_sent_total", "counter"),
        ("sahelwatch_telegram_429_total", "counter"),
        ("sahelwatch_telegram_send_rate", "gauge"),
        ("sahelwatch_outbox_depth", "gauge"),
        ("sahelwatch_last_cycle_success_timestamp", "gauge"),
        ("sahelwatch_rules_reloads_total", "counter"),
    ]:
        assert f"# TYPE {name} {kind}\n" in exposed
        assert f"# HELP {name} " in exposed
    assert exposed.count("# TYPE ") == 12
    assert "_created" not in exposed  # prometheus_client's extra series stay off


def test_samples_labels_and_buckets() -> None:
    m = Metrics()
    m.polls.labels(source="الجزيرة", ok="true").inc()
    m.items.labels(source='a "b"\\c').inc(12)
    m.rules_reloads.labels(result="refused").inc()
    for seconds in (0.05, 0.3, 1.0, 99.0):  # 1.0 sits on a bound: le is "less or equal"
        m.poll_seconds.labels(source="a").observe(seconds)
    lines = text(m).splitlines()
    assert 'sahelwatch_polls_total{ok="true",source="الجزيرة"} 1.0' in lines
    assert 'sahelwatch_items_total{source="a \\"b\\"\\\\c"} 12.0' in lines
    assert 'sahelwatch_rules_reloads_total{result="refused"} 1.0' in lines
    buckets = [line for line in lines if line.startswith("sahelwatch_poll_seconds_bucket")]
    assert LATENCY_BUCKETS == (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)
    assert buckets == [
        f'sahelwatch_poll_seconds_bucket{{le="{le}",source="a"}} {n}'
        for le, n in [
            ("0.05", "1.0"), ("0.1", "1.0"), ("0.25", "1.0"), ("0.5", "2.0"), ("1.0", "3.0"),
            ("2.5", "3.0"), ("5.0", "3.0"), ("10.0", "3.0"), ("20.0", "3.0"), ("30.0", "3.0"),
            ("60.0", "3.0"), ("+Inf", "4.0"),
        ]
    ]  # fmt: skip
    assert 'sahelwatch_poll_seconds_count{source="a"} 4.0' in lines
    assert 'sahelwatch_poll_seconds_sum{source="a"} 100.35' in lines


def test_each_metrics_has_its_own_registry() -> None:
    one, two = Metrics(), Metrics()
    one.stories.inc(3)
    assert "sahelwatch_stories_total 3.0" in text(one)
    assert "sahelwatch_stories_total 0.0" in text(two)


async def test_metrics_alone_reports_the_pending_outbox(tmp_path: Path) -> None:
    """The bug: the depth was only set when /healthz was asked, so /metrics said 0."""
    path = tmp_path / "rules.yaml"
    path.write_text(rules_text([source("A", "http://127.0.0.1:9/a.xml", every="1h")]), "utf-8")
    service = Service(str(path), str(tmp_path / "state"), stream=io.StringIO())
    live = Live(service, http="127.0.0.1:0")
    try:
        ids = [  # the service is not started: nothing drains the outbox
            service.delivery_store.enqueue(
                77, None, "alert", [Part(f"m{n}")], now=NOW, not_before=NOW
            )
            for n in range(3)
        ]
        assert live.server is not None
        await live.server.start()
        async with httpx.AsyncClient(trust_env=False, timeout=5.0) as http:
            scraped = (await http.get(f"{live.server.url}/metrics")).text  # never /healthz
            assert "\nsahelwatch_outbox_depth 3.0\n" in scraped
            service.delivery_store.mark_sent(ids[0][0], 77, 500, NOW)
            scraped = (await http.get(f"{live.server.url}/metrics")).text
            assert "\nsahelwatch_outbox_depth 2.0\n" in scraped
    finally:
        await live.stop()
        await service.close()
    assert math.isnan(service._outbox_depth())  # the store closed: NaN, no error
