"""Sahel Watch's Prometheus metrics: their names, help texts, labels and latency buckets.

Counting, thread safety and the text exposition are prometheus_client's; this module only
declares what the bot measures. Each `Metrics` has its own `CollectorRegistry` (never the
library's global default one), so two services in one process, or two tests, never add to each
other's counts. The `Service` makes one and hands it to the stages that record: the pipeline
(runner.cycle), the sender and its pacer (delivery), the rules watcher (ops.reload); it sets the
function `outbox_depth` reads at scrape time; ops.httpserver serves `registry` on
`GET /metrics`. A stage built without one records into a private `Metrics()` nobody scrapes.
Stages call the library's own API:

    m.polls.labels(source=name, ok="true").inc()    m.poll_seconds.labels(source=name).observe(1.2)
    m.rules_reloads.labels(result="applied").inc()  m.last_cycle_success_timestamp.set(epoch_s)

The exposed names are all `sahelwatch_` prefixed (docs/docker.md lists them); counters are
declared with their `_total`, which prometheus_client keeps on the samples and the TYPE line.
The `*_created` series it would add to counters and histograms are turned off, for the whole
process (`disable_created_metrics` is global).
"""

from __future__ import annotations

from functools import partial

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics

NAMESPACE = "sahelwatch"
# Seconds: a poll of a fast feed takes tenths, a slow site or a retry tens.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)

disable_created_metrics()  # type: ignore[no-untyped-call]  # the library leaves it unannotated


class Metrics:
    """The bot's metrics on a registry of their own (`registry`, what /metrics serves)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        counter = partial(Counter, namespace=NAMESPACE, registry=self.registry)
        gauge = partial(Gauge, namespace=NAMESPACE, registry=self.registry)
        self.polls = counter(
            "polls_total", "Source polls, by source and outcome (ok=true|false).", ("source", "ok")
        )
        self.poll_errors = counter(
            "poll_errors_total", "Failed source polls, by source.", ("source",)
        )
        self.poll_seconds = Histogram(
            "poll_seconds", "Time to fetch and parse one source, in seconds.", ("source",),
            namespace=NAMESPACE, registry=self.registry, buckets=LATENCY_BUCKETS,
        )  # fmt: skip
        self.items = counter(
            "items_total", "Items read from sources (before dedupe), by source.", ("source",)
        )
        self.matches = counter("matches_total", "Items that matched a topic, by topic.", ("topic",))
        self.stories = counter("stories_total", "New stories (clusters) created.")
        self.messages_sent = counter(
            "messages_sent_total", "Messages delivered to Telegram (or the terminal)."
        )
        self.telegram_429 = counter(
            "telegram_429_total", "Telegram 429 Too Many Requests answers (retry_after)."
        )
        self.outbox_depth = gauge("outbox_depth", "Messages waiting in the outbox.")
        self.telegram_send_rate = gauge(
            "telegram_send_rate",
            "Messages a second the sender allows itself in all"
            " (lower while Telegram throttles the bot).",
        )
        self.last_cycle_success_timestamp = gauge(
            "last_cycle_success_timestamp", "Unix time of the last successful polling cycle."
        )
        self.rules_reloads = counter(
            "rules_reloads_total",
            "Edits of rules.yaml seen while running, by result (applied|refused|failed).",
            ("result",),
        )
