"""The delivery side of the state database: subscriptions (storage.subscriptions), the outbox
and deliveries (storage.outbox), alert edits (storage.alert_edits) and the figures for /stats
(storage.delivery_figures), over one connection.

`DeliveryStore` wraps one sqlite3 connection (bound to the thread that opened it: the delivery
service's event-loop thread), shared with `storage.store.Store` in the service. Its writes are
short explicit transactions, so a crash leaves either the whole of a change or none of it: a
digest's parts, its `deliveries` rows and the subscriber's `last_digest_at` land together; a
message is `pending` before it is sent, `sending` while the HTTP call is in flight, and `sent`
after. The records it returns: storage/delivery_records.py.
"""

from __future__ import annotations

import sqlite3

from storage.alert_edits import AlertEdits
from storage.delivery_figures import DeliveryFigures
from storage.delivery_records import OutboxRow, Part, Subscriber
from storage.outbox import Outbox
from storage.subscriptions import Subscriptions


class DeliveryStore(Subscriptions, Outbox):
    """Subscribers, outbox and deliveries over one connection (one writer: the caller's thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.edits = AlertEdits(conn)  # alerts edited in place as their stories grow
        self.figures = DeliveryFigures(conn)  # counts for /stats and /healthz

    def close(self) -> None:
        self.conn.close()


__all__ = ["DeliveryStore", "OutboxRow", "Part", "Subscriber"]
