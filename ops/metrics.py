"""Our own small metrics registry, rendered in the Prometheus text exposition format 0.0.4.

No dependency: counters and gauges with labels, and histograms (cumulative buckets, `+Inf`,
`_sum`, `_count`) for latency. Every metric carries HELP and TYPE lines; label values are escaped
(backslash, double quote, newline). Updates and rendering take a per-metric lock, so one asyncio
loop plus worker threads can record safely.

Other stages call the named metrics below (or `METRICS.gauge("outbox_depth")`, which returns
the same object):

    POLLS_TOTAL.inc(source=name, ok=True)            POLL_SECONDS.observe(1.2, source=name)
    POLL_ERRORS_TOTAL.inc(source=name)               ITEMS_TOTAL.inc(12, source=name)
    MATCHES_TOTAL.inc(topic=topic_id)                STORIES_TOTAL.inc()
    MESSAGES_SENT_TOTAL.inc()                        TELEGRAM_429_TOTAL.inc()
    OUTBOX_DEPTH.set(n)                              LAST_CYCLE_SUCCESS_TIMESTAMP.set(epoch_s)
    RULES_RELOADS_TOTAL.inc(result="applied")        (ops.reload records this one itself)

`METRICS.render()` is what `GET /metrics` serves (ops.httpserver).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LabelValue = str | int | float | bool
LabelKey = tuple[str, ...]

_METRIC_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*\Z")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
# Seconds: a poll of a fast feed takes tenths, a slow site or a retry tens.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)


def format_value(value: float) -> str:
    """A sample value as Prometheus writes it: `1.0`, `0.25`, `+Inf`, `-Inf`, `NaN`."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value))


def escape_label_value(value: str) -> str:
    r"""Escape a label value: `\` -> `\\`, `"` -> `\"`, newline -> `\n`."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def escape_help(text: str) -> str:
    r"""Escape HELP text: `\` -> `\\`, newline -> `\n` (quotes stay as they are)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label_text(value: LabelValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _labels_block(names: Sequence[str], values: Sequence[str]) -> str:
    if not names:
        return ""
    pairs = ",".join(
        f'{name}="{escape_label_value(value)}"' for name, value in zip(names, values, strict=True)
    )
    return "{" + pairs + "}"


class _Metric:
    """What every metric kind shares: name, help, label names, a lock, the children by labels."""

    kind = "untyped"

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        if not _METRIC_NAME.match(name):
            raise ValueError(f"invalid metric name {name!r}")
        for label in labelnames:
            if not _LABEL_NAME.match(label) or label.startswith("__"):
                raise ValueError(f"invalid label name {label!r} on {name}")
        if len(set(labelnames)) != len(labelnames):
            raise ValueError(f"duplicate label names on {name}")
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labelnames)
        self._lock = threading.Lock()

    def _key(self, labels: dict[str, LabelValue]) -> LabelKey:
        if set(labels) != set(self.labelnames):
            raise ValueError(
                f"{self.name} takes labels {sorted(self.labelnames)}, got {sorted(labels)}"
            )
        return tuple(_label_text(labels[name]) for name in self.labelnames)

    def header(self) -> list[str]:
        help_text = escape_help(self.help or self.name.replace("_", " "))
        return [f"# HELP {self.name} {help_text}", f"# TYPE {self.name} {self.kind}"]

    def samples(self) -> list[str]:
        raise NotImplementedError

    def render(self) -> str:
        return "\n".join(self.header() + self.samples()) + "\n"


class _Scalar(_Metric):
    """A counter or a gauge: one float per label set (the unlabelled one starts at 0)."""

    def __init__(self, name: str, help_text: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labelnames)
        self._values: dict[LabelKey, float] = {} if labelnames else {(): 0.0}

    def value(self, **labels: LabelValue) -> float:
        """The current value for these labels (0 when never touched)."""
        key = self._key(labels)
        with self._lock:
            return self._values.get(key, 0.0)

    def _add(self, amount: float, labels: dict[str, LabelValue]) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def samples(self) -> list[str]:
        with self._lock:
            values = sorted(self._values.items())
        return [
            f"{self.name}{_labels_block(self.labelnames, key)} {format_value(value)}"
            for key, value in values
        ]


class Counter(_Scalar):
    """Only goes up (resets when the process restarts, which Prometheus handles)."""

    kind = "counter"

    def inc(self, amount: float = 1.0, **labels: LabelValue) -> None:
        if amount < 0:
            raise ValueError(f"{self.name}: a counter cannot go down ({amount})")
        self._add(amount, labels)


class Gauge(_Scalar):
    """A value that goes up and down: a queue depth, a timestamp."""

    kind = "gauge"

    def set(self, value: float, **labels: LabelValue) -> None:
        key = self._key(labels)
        with self._lock:
            self._values[key] = float(value)

    def inc(self, amount: float = 1.0, **labels: LabelValue) -> None:
        self._add(amount, labels)

    def dec(self, amount: float = 1.0, **labels: LabelValue) -> None:
        self._add(-amount, labels)


class Histogram(_Metric):
    """Observations counted into cumulative `le` buckets, plus their sum and count."""

    kind = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        labelnames: Sequence[str] = (),
        buckets: Iterable[float] = LATENCY_BUCKETS,
    ) -> None:
        if "le" in labelnames:
            raise ValueError(f"{name}: 'le' is reserved for histogram buckets")
        super().__init__(name, help_text, labelnames)
        bounds = sorted(float(b) for b in buckets if not math.isinf(float(b)))
        if not bounds or len(set(bounds)) != len(bounds):
            raise ValueError(f"{name}: buckets must be distinct and not empty")
        self.bounds = (*bounds, math.inf)
        # per label set: [count in each bucket (not cumulative)..., sum, count]
        self._series: dict[LabelKey, list[float]] = {}
        if not labelnames:
            self._series[()] = self._empty()

    def _empty(self) -> list[float]:
        return [0.0] * (len(self.bounds) + 2)

    def observe(self, value: float, **labels: LabelValue) -> None:
        key = self._key(labels)
        last = len(self.bounds) - 1  # NaN compares false everywhere: it lands in +Inf only
        index = next((i for i, bound in enumerate(self.bounds) if value <= bound), last)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = self._empty()
            series[index] += 1
            series[-2] += value
            series[-1] += 1

    def count(self, **labels: LabelValue) -> float:
        """How many observations these labels have had."""
        key = self._key(labels)
        with self._lock:
            series = self._series.get(key)
            return series[-1] if series else 0.0

    def samples(self) -> list[str]:
        with self._lock:
            snapshot = sorted((key, list(series)) for key, series in self._series.items())
        lines: list[str] = []
        names = (*self.labelnames, "le")
        for key, series in snapshot:
            running = 0.0
            for bound, in_bucket in zip(self.bounds, series, strict=False):
                running += in_bucket
                block = _labels_block(names, (*key, format_value(bound)))
                lines.append(f"{self.name}_bucket{block} {format_value(running)}")
            block = _labels_block(self.labelnames, key)
            lines.append(f"{self.name}_sum{block} {format_value(series[-2])}")
            lines.append(f"{self.name}_count{block} {format_value(series[-1])}")
        return lines


M = TypeVar("M", Counter, Gauge, Histogram)


class Registry:
    """Uniquely named metrics, rendered together in registration order.

    `counter`, `gauge` and `histogram` get or create: asking again for a name returns the same
    metric (it must be of the same kind with the same labels). With a `namespace`, names are
    given without it and rendered with it: `Registry("sahelwatch").gauge("outbox_depth")` is
    `sahelwatch_outbox_depth`.
    """

    def __init__(self, namespace: str = "") -> None:
        self.namespace = namespace
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()

    def _full(self, name: str) -> str:
        prefix = f"{self.namespace}_"
        if not self.namespace or name.startswith(prefix):
            return name
        return prefix + name

    def _get_or_add(
        self, kind: type[M], name: str, labelnames: Sequence[str], make: Callable[[str], M]
    ) -> M:
        full = self._full(name)
        with self._lock:
            metric = self._metrics.get(full)
            if metric is None:
                metric = self._metrics[full] = make(full)
        if type(metric) is not kind or metric.labelnames != tuple(labelnames):
            raise ValueError(
                f"metric {full} is already registered as a {metric.kind} "
                f"with labels {list(metric.labelnames)}"
            )
        return metric

    def counter(self, name: str, help_text: str = "", labelnames: Sequence[str] = ()) -> Counter:
        return self._get_or_add(
            Counter, name, labelnames, lambda full: Counter(full, help_text, labelnames)
        )

    def gauge(self, name: str, help_text: str = "", labelnames: Sequence[str] = ()) -> Gauge:
        return self._get_or_add(
            Gauge, name, labelnames, lambda full: Gauge(full, help_text, labelnames)
        )

    def histogram(
        self,
        name: str,
        help_text: str = "",
        labelnames: Sequence[str] = (),
        buckets: Iterable[float] = LATENCY_BUCKETS,
    ) -> Histogram:
        return self._get_or_add(
            Histogram,
            name,
            labelnames,
            lambda full: Histogram(full, help_text, labelnames, buckets),
        )

    def get(self, name: str) -> _Metric | None:
        """The metric called `name` (with or without the namespace), if registered."""
        with self._lock:
            return self._metrics.get(self._full(name))

    def render(self) -> str:
        """Every metric in the text exposition format 0.0.4 (ends with a newline)."""
        with self._lock:
            metrics = list(self._metrics.values())
        return "".join(metric.render() for metric in metrics)


METRICS = Registry("sahelwatch")

POLLS_TOTAL = METRICS.counter(
    "polls_total",
    "Source polls, by source and outcome (ok=true|false).",
    ("source", "ok"),
)
POLL_ERRORS_TOTAL = METRICS.counter(
    "poll_errors_total", "Failed source polls, by source.", ("source",)
)
POLL_SECONDS = METRICS.histogram(
    "poll_seconds", "Time to fetch and parse one source, in seconds.", ("source",)
)
ITEMS_TOTAL = METRICS.counter(
    "items_total", "Items read from sources (before dedupe), by source.", ("source",)
)
MATCHES_TOTAL = METRICS.counter(
    "matches_total", "Items that matched a topic, by topic.", ("topic",)
)
STORIES_TOTAL = METRICS.counter("stories_total", "New stories (clusters) created.")
MESSAGES_SENT_TOTAL = METRICS.counter(
    "messages_sent_total", "Messages delivered to Telegram (or the terminal)."
)
TELEGRAM_429_TOTAL = METRICS.counter(
    "telegram_429_total", "Telegram 429 Too Many Requests answers (retry_after)."
)
OUTBOX_DEPTH = METRICS.gauge("outbox_depth", "Messages waiting in the outbox.")
TELEGRAM_SEND_RATE = METRICS.gauge(
    "telegram_send_rate",
    "Messages a second the sender allows itself in all (lower while Telegram throttles the bot).",
)
LAST_CYCLE_SUCCESS_TIMESTAMP = METRICS.gauge(
    "last_cycle_success_timestamp",
    "Unix time of the last successful polling cycle.",
)
RULES_RELOADS_TOTAL = METRICS.counter(
    "rules_reloads_total",
    "Edits of rules.yaml seen while running, by result (applied|refused|failed).",
    ("result",),
)
