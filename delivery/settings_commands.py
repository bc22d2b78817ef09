"""The commands that change a chat's subscription: /start /stop /topics (an inline keyboard,
with "all topics" first) /mode /quiet /lang /format. In a group only its admins may change it
(CommandBase.may_change); anyone may look at the topics keyboard, but a tap from someone else
is answered with a refusal."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from delivery import cadence, render
from delivery.command_base import CommandBase, Ctx
from delivery.group_admins import GROUPS
from delivery.i18n import LANG_NAMES, LANGS, mode_name, quiet_hours, text
from storage.delivery_store import Subscriber

TOPIC = "topic:"  # callback data of a topic button: "topic:<id>"
ALL = "topics:all"  # callback data of the "all topics" button
LAYOUTS = ("full", "short")


class SettingsCommands(CommandBase):
    async def start(self, update: Update, context: Ctx) -> None:
        where = self.where(update)
        if where is None:
            return
        chat, message, thread = where
        if not self.svc.may_use(self.user_id(update), chat.id):
            await self.say_key(update, "not_allowed")
            return
        if not await self.may_change(update, context):
            return
        title = chat.title or chat.username or chat.full_name or ""
        sub, created = self.subs.subscribe(
            chat.id, chat.type, title, thread, self.chat_lang(chat.id, update)
        )
        self.subs.seen(chat.id, message.message_id)
        if created:
            mode = mode_name(sub.lang, sub.mode, sub.daily_at)
            reply = text(sub.lang, "welcome", topics=self.topic_names(sub), mode=mode)
        else:
            reply = text(sub.lang, "welcome_back")
        await self.say(chat.id, thread, render.ui(reply))

    async def stop(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None or not await self.may_change(update, context):
            return
        self.subs.stop(sub.chat_id, "/stop")
        await self.say_key(update, "stopped")

    def keyboard(self, sub: Subscriber) -> InlineKeyboardMarkup:
        every = "✅" if sub.all_topics else "▫️"
        label = f"{every} {text(sub.lang, 'topics_all')}"
        rows = [[InlineKeyboardButton(label, callback_data=ALL)]]
        following = self.svc.following(sub)
        for topic_id, topic in self.svc.rules.topics.items():
            mark = "✅" if topic_id in following else "▫️"
            data = (TOPIC + topic_id)[:64]
            rows.append(
                [InlineKeyboardButton(f"{mark} {topic.label(sub.lang)}", callback_data=data)]
            )
        return InlineKeyboardMarkup(rows)

    async def topics(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None:
            return
        await self.say(
            sub.chat_id, sub.thread_id, render.ui(text(sub.lang, "topics_pick")), self.keyboard(sub)
        )

    async def toggle_topic(self, update: Update, context: Ctx) -> None:
        """A tap on the topics keyboard: follow or unfollow a topic, or all topics. Leaving
        "all topics" keeps the topics followed now (only topics added later stop coming)."""
        query = update.callback_query
        if query is None or query.data is None or query.message is None:
            return
        message = query.message
        sub = self.subs.active(message.chat.id)
        topic_id = query.data[len(TOPIC) :] if query.data.startswith(TOPIC) else ""
        known = query.data == ALL or topic_id in self.svc.rules.topics
        if sub is None or not known:
            await query.answer()
            return
        user = query.from_user.id
        allowed = self.svc.may_use(user, sub.chat_id)
        if allowed and message.chat.type in GROUPS and not self.svc.is_admin(user):
            allowed = bool(await self.group_admins.is_admin(context.bot, sub.chat_id, user))
        if not allowed:
            await query.answer(text(sub.lang, "group_admins_only"), show_alert=True)
            return
        await query.answer()
        following = list(self.svc.following(sub))
        every = not sub.all_topics if query.data == ALL else False
        if query.data != ALL:
            chosen = [t for t in following if t != topic_id]
            following = chosen if topic_id in following else [*chosen, topic_id]
        updated = self.subs.follow(sub.chat_id, following, every)
        if updated is not None:
            await self.svc.sender.edit(
                sub.chat_id,
                message.message_id,
                render.ui(text(updated.lang, "topics_pick")),
                self.keyboard(updated),
            )

    async def mode(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None:
            return
        args = [a.lower() for a in (context.args or [])]
        if not args or args[0] not in cadence.MODES:
            await self.say_key(update, "mode_usage")
            return
        daily_at = sub.daily_at
        if len(args) > 1:
            parsed = cadence.parse_hhmm(args[1])
            if parsed is None:
                await self.say_key(update, "mode_usage")
                return
            daily_at = parsed
        if not await self.may_change(update, context):
            return
        self.subs.set_mode(sub.chat_id, args[0], daily_at)  # a digest's first at its boundary
        await self.say_key(update, "mode_set", mode=mode_name(sub.lang, args[0], daily_at))

    async def quiet(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None:
            return
        arg = " ".join(context.args or []).strip().lower()
        off = arg in ("off", "none", "0")
        quiet = None if off else cadence.parse_quiet(arg)
        if not off and quiet is None:
            await self.say_key(update, "quiet_usage")
            return
        if not await self.may_change(update, context):
            return
        self.subs.set_quiet(sub.chat_id, quiet)
        if quiet is None:
            await self.say_key(update, "quiet_off")
            return
        hours = quiet_hours(sub.lang, quiet, self.svc.rules.delivery.timezone)
        await self.say_key(update, "quiet_set", hours=hours)

    async def set_lang(self, update: Update, context: Ctx) -> None:
        sub = await self.subscriber(update)
        if sub is None:
            return
        args = [a.lower() for a in (context.args or [])]
        if not args or args[0] not in LANGS:
            choices = " | ".join(f"{code} ({LANG_NAMES[code]})" for code in LANGS)
            await self.say_key(update, "lang_usage", choices=choices)
            return
        if not await self.may_change(update, context):
            return
        self.subs.set_lang(sub.chat_id, args[0])
        await self.say_key(update, "lang_set", name=LANG_NAMES[args[0]])

    async def set_format(self, update: Update, context: Ctx) -> None:
        """/format full|short: the layout of this chat's alerts."""
        sub = await self.subscriber(update)
        if sub is None:
            return
        args = [a.lower() for a in (context.args or [])]
        if not args or args[0] not in LAYOUTS:
            await self.say_key(update, "format_usage")
            return
        if not await self.may_change(update, context):
            return
        self.subs.set_layout(sub.chat_id, args[0])
        await self.say_key(update, "format_set", format=text(sub.lang, f"format_{args[0]}"))
