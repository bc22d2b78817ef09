"""Topics the operator adds: subscribers who follow all topics get them at once (nothing to
do: see compose.following); the others are told once, in their language, which topics are new
and how to follow them.

`announce(store, rules, tz, now)` compares the rules' topics with those already announced (the
table `topics_announced`) and queues one notice per subscriber who chose its topics, with the
topics recorded as announced in the same transaction. The first time (a new database, or one
from before this was kept) nothing is announced: the running topics are recorded, and
subscribers who follow every one of them are made to follow all topics.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from config.model import Rules
from delivery import cadence, render
from storage.delivery_store import DeliveryStore
from storage.subscriptions import TopicNotice


def announce(store: DeliveryStore, rules: Rules, tz: tzinfo, now: datetime) -> int:
    """Queue the notices of new topics; the number of chats told."""
    current = list(rules.topics)
    if store.adopt_all_topics(current, now):
        return 0
    known = store.announced_topics()
    new = [t for t in current if t not in known]
    if not new:
        return 0
    notices = []
    for sub in store.active_subscribers():
        if sub.all_topics:
            continue
        titles = [rules.topics[t].label(sub.lang) for t in new]
        text = render.new_topics(sub.lang, titles)
        when = cadence.release_time(sub.quiet, now, tz)
        notices.append(TopicNotice(sub.chat_id, sub.thread_id, text, when))
    store.announce_topics(new, notices, now)
    return len(notices)
