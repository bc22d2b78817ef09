"""ops.metrics: the Prometheus text exposition format 0.0.4, pinned as golden text."""

from __future__ import annotations

import math
import threading

import pytest

from ops import metrics
from ops.metrics import Registry, escape_label_value, format_value

GOLDEN = """\
# HELP demo_polls_total Polls by source.
# TYPE demo_polls_total counter
demo_polls_total{source="Al Jazeera",ok="false"} 1.0
demo_polls_total{source="Al Jazeera",ok="true"} 2.0
demo_polls_total{source="Le Monde",ok="true"} 1.0
# HELP demo_outbox_depth Messages waiting.
# TYPE demo_outbox_depth gauge
demo_outbox_depth 7.0
# HELP demo_poll_seconds Poll latency, in seconds.
# TYPE demo_poll_seconds histogram
demo_poll_seconds_bucket{source="a",le="0.1"} 1.0
demo_poll_seconds_bucket{source="a",le="1.0"} 3.0
demo_poll_seconds_bucket{source="a",le="+Inf"} 4.0
demo_poll_seconds_sum{source="a"} 6.55
demo_poll_seconds_count{source="a"} 4.0
demo_poll_seconds_bucket{source="b",le="0.1"} 0.0
demo_poll_seconds_bucket{source="b",le="1.0"} 1.0
demo_poll_seconds_bucket{source="b",le="+Inf"} 1.0
demo_poll_seconds_sum{source="b"} 1.0
demo_poll_seconds_count{source="b"} 1.0
# HELP demo_stories_total Stories created.
# TYPE demo_stories_total counter
demo_stories_total 0.0
"""


def test_small_registry_renders_the_golden_text() -> None:
    reg = Registry()
    polls = reg.counter("demo_polls_total", "Polls by source.", ("source", "ok"))
    depth = reg.gauge("demo_outbox_depth", "Messages waiting.")
    latency = reg.histogram("demo_poll_seconds", "Poll latency, in seconds.", ("source",), (1, 0.1))
    reg.counter("demo_stories_total", "Stories created.")
    polls.inc(source="Al Jazeera", ok=True)
    polls.inc(source="Le Monde", ok=True)
    polls.inc(source="Al Jazeera", ok=False)
    polls.inc(source="Al Jazeera", ok="true")
    depth.set(9)
    depth.dec(2)
    for value in (0.05, 0.5, 1.0, 5.0):  # 1.0 sits on a bound: le is "less or equal"
        latency.observe(value, source="a")
    latency.observe(1.0, source="b")
    assert reg.render() == GOLDEN


def test_label_values_are_escaped() -> None:
    reg = Registry()
    counter = reg.counter("esc_total", 'Help with a \\ backslash\nand "quotes".', ("source",))
    counter.inc(source='Quote " back\\slash\nnew line')
    assert reg.render().splitlines() == [
        '# HELP esc_total Help with a \\\\ backslash\\nand "quotes".',
        "# TYPE esc_total counter",
        'esc_total{source="Quote \\" back\\\\slash\\nnew line"} 1.0',
    ]
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


def test_namespace_and_default_help() -> None:
    reg = Registry("app")
    reg.counter("hits_total").inc()
    assert (
        reg.render()
        == "# HELP app_hits_total app hits total\n# TYPE app_hits_total counter\napp_hits_total 1.0\n"
    )


def test_unicode_label_values_pass_through() -> None:
    reg = Registry()
    reg.counter("u_total", "Per topic.", ("topic",)).inc(3, topic="الجزيرة")
    assert 'u_total{topic="الجزيرة"} 3.0' in reg.render()


def test_histogram_buckets_are_cumulative_and_end_with_inf() -> None:
    reg = Registry()
    hist = reg.histogram("h_seconds", "Latency.", buckets=(0.5, 0.25, 2))
    for value in (0.1, 0.3, 0.3, 1.5, 99.0, math.nan):
        hist.observe(value)
    lines = reg.render().splitlines()
    buckets = [line for line in lines if line.startswith("h_seconds_bucket")]
    assert buckets == [
        'h_seconds_bucket{le="0.25"} 1.0',
        'h_seconds_bucket{le="0.5"} 3.0',
        'h_seconds_bucket{le="2.0"} 4.0',
        'h_seconds_bucket{le="+Inf"} 6.0',
    ]
    assert "h_seconds_count 6.0" in lines
    assert "h_seconds_sum NaN" in lines  # a NaN observation poisons the sum, as in Prometheus
    assert hist.count() == 6


def test_values_format_like_prometheus() -> None:
    assert [format_value(v) for v in (3, 0.25, math.inf, -math.inf, math.nan, 1e20)] == [
        "3.0", "0.25", "+Inf", "-Inf", "NaN", "1e+20",
    ]  # fmt: skip


def test_misuse_is_refused() -> None:
    reg = Registry()
    counter = reg.counter("m_total", "Help.", ("source",))
    with pytest.raises(ValueError, match="takes labels"):
        counter.inc(topic="x")
    with pytest.raises(ValueError, match="cannot go down"):
        counter.inc(-1, source="x")
    assert reg.counter("m_total", "Asked again.", ("source",)) is counter
    with pytest.raises(ValueError, match="already registered as a counter"):
        reg.gauge("m_total")
    with pytest.raises(ValueError, match="with labels"):
        reg.counter("m_total", "Other labels.", ("topic",))
    with pytest.raises(ValueError, match="invalid metric name"):
        reg.gauge("bad-name", "Help.")
    with pytest.raises(ValueError, match="invalid label name"):
        reg.gauge("g", "Help.", ("__reserved",))
    with pytest.raises(ValueError, match="reserved"):
        reg.histogram("h", "Help.", ("le",))
    assert counter.value(source="x") == 0


def test_counts_from_threads_all_land() -> None:
    reg = Registry()
    counter = reg.counter("t_total", "Help.", ("source",))
    hist = reg.histogram("t_seconds", "Help.", ("source",))

    def work() -> None:
        for i in range(2000):
            counter.inc(source="s")
            hist.observe(i % 7, source="s")
            if i % 500 == 0:
                reg.render()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counter.value(source="s") == 8000
    assert hist.count(source="s") == 8000
    assert 't_seconds_count{source="s"} 8000.0' in reg.render()


def test_default_registry_names_the_project_metrics() -> None:
    text = metrics.METRICS.render()
    for name, kind in [
        ("sahelwatch_polls_total", "counter"),
        ("sahelwatch_poll_errors_total", "counter"),
        ("sahelwatch_poll_seconds", "histogram"),
        ("sahelwatch_items_total", "counter"),
        ("sahelwatch_matches_total", "counter"),
        ("sahelwatch_stories_total", "counter"),
        ("sahelwatch_messages_sent_total", "counter"),
        ("sahelwatch_telegram_429_total", "counter"),
        ("sahelwatch_outbox_depth", "gauge"),
        ("sahelwatch_last_cycle_success_timestamp", "gauge"),
        ("sahelwatch_rules_reloads_total", "counter"),
    ]:
        assert f"# TYPE {name} {kind}\n" in text
        assert f"# HELP {name} " in text
    # the short name (what the brief and the service use) finds the namespaced metric
    assert metrics.METRICS.gauge("outbox_depth") is metrics.OUTBOX_DEPTH
    assert metrics.METRICS.get("sahelwatch_outbox_depth") is metrics.OUTBOX_DEPTH
    metrics.POLL_SECONDS.observe(0.3, source="ops-test")
    assert 'sahelwatch_poll_seconds_bucket{source="ops-test",le="0.5"}' in metrics.METRICS.render()
