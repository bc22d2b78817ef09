"""Who may change a group's settings: the group's admins, as Telegram says (getChatMember),
remembered for a minute so a run of commands asks once.

Private chats belong to their user and channels to the admins who post in them, so only groups
and supergroups are checked. The bot's own operators may change any chat; a message an admin
sent anonymously ("on behalf of the group") counts as an admin's.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram.error import TelegramError

from core.clock import Clock

LOG = logging.getLogger(__name__)
ADMIN_STATUSES = ("creator", "administrator")
GROUPS = ("group", "supergroup")


class GroupAdmins:
    """The cached answers of getChatMember: (chat, user) -> (is an admin, until when)."""

    def __init__(self, clock: Clock, ttl: timedelta = timedelta(seconds=60)) -> None:
        self.clock = clock
        self.ttl = ttl
        self._known: dict[tuple[int, int], tuple[bool, datetime]] = {}

    async def is_admin(self, bot: Any, chat_id: int, user_id: int) -> bool | None:
        """Whether `user_id` administers the group; None when Telegram could not be asked."""
        now = self.clock.now()
        known = self._known.get((chat_id, user_id))
        if known is not None and known[1] > now:
            return known[0]
        try:
            member = await bot.get_chat_member(chat_id, user_id)
        except TelegramError as exc:
            LOG.warning("getChatMember %s in %s failed: %s", user_id, chat_id, exc)
            return None
        answer = str(member.status) in ADMIN_STATUSES
        if len(self._known) > 10_000:  # a bot in very many groups: start the cache afresh
            self._known.clear()
        self._known[(chat_id, user_id)] = (answer, now + self.ttl)
        return answer
