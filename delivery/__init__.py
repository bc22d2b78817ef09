"""Delivery: stories to Telegram subscribers (or the terminal) as alerts and digests.

render (the one Telegram HTML renderer) · i18n (UI words per language) · compose (pure: stories
and settings to messages) · cadence (quiet hours, digest times) · pacing (rate limits) ·
transport / terminal (where messages go) · sender (the crash-safe outbox loop) · service
(alerts, digests, life cycle) · commands (the bot's handlers) · app (wiring from the environment).
"""
