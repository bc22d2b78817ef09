"""Folding a burst of alerts: when many alerts wait for one chat (a first start on many feeds,
a big news day, the end of quiet hours), the sender asks for them as one list of stories
instead of one message each (`fold_parts`, the sender's fold hook, wired by the service).

`should_fold` says when: `FOLD_AT` or more alerts due at once, or `FOLD_HELD_AT` or more of
them held by quiet hours. The list is composed afresh from the stories (oldest first, each with
its outlets), split under Telegram's limit; folded messages are not edited later.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import tzinfo

from config.model import Rules
from delivery import compose
from delivery.ports import StorySource
from storage.delivery_records import OutboxRow, Part, Subscriber

FOLD_AT = 5  # alerts due at once for one chat that are sent as one list
FOLD_HELD_AT = 2  # alerts held by quiet hours that are sent as one list


def should_fold(due: Sequence[OutboxRow]) -> bool:
    """Whether the alerts due for a chat are a burst to fold."""
    held = sum(1 for row in due if row.not_before > row.created_at)
    return len(due) >= FOLD_AT or held >= FOLD_HELD_AT


def fold_parts(
    sub: Subscriber | None,
    due: Sequence[OutboxRow],
    stories: StorySource | None,
    rules: Rules,
    tz: tzinfo,
) -> list[Part]:
    """The messages that list the stories of the alerts `due` for subscriber `sub`, oldest
    story first; [] (send them one by one) when a story can no longer be read."""
    if sub is None or stories is None:
        return []
    topics = compose.following(sub.topics, sub.all_topics, rules)
    burst = []
    for row in due:
        for story_id in row.story_ids:
            story = stories.story(story_id)
            if story is None:
                return []
            burst.append((story, not compose.is_urgent(story, topics, rules)))
    parts = compose.folded_parts(burst, topics, rules, sub.lang, tz)
    return [Part(p.text, p.story_ids) for p in parts]
