"""Delivery: stories to Telegram subscribers (or the terminal) as alerts and digests.

render (the one Telegram HTML renderer) · i18n (UI words per language, one module each) ·
compose (pure: stories and settings to messages) · cadence (quiet hours, digest times) · bursts
(folding a burst of alerts) · topic_news (topics the operator adds) · pacing (rate limits) ·
transport / terminal (where messages go) · sender (the crash-safe outbox loop) · service
(alerts, digests, life cycle) · connection (reaching the Bot API) · commands (the bot's
handlers: settings_commands, reader_commands, operator_commands, chat_events, on
command_base; group_admins; subscriptions, their one door to the store) · ports (what delivery
needs from the rest: stories, operator actions, the bot's runtime) · app (wiring from the
environment: the PTB application as a PollingBot).
"""
