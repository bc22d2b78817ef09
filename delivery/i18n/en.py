"""The interface in English: every UI string, by key (see delivery/i18n)."""

STRINGS: dict[str, str] = {
    # alerts and digests
    "digest": "Digest",
    "stories#one": "1 story",
    "stories#other": "{n} stories",
    "alerts#one": "1 alert",
    "alerts#other": "{n} alerts",
    "also": "also:",
    "more_outlets": "+{n} more",
    "surge": "Widely reported",
    "continued": "continued",
    "new_topics#one": "New topic: {topics}. Send /topics to follow it.",
    "new_topics#other": "New topics: {topics}. Send /topics to follow them.",
    # subscribing and settings
    "welcome": "Subscribed. Topics: {topics}.\nMode: {mode}. Send /help for the commands.",
    "welcome_back": "Welcome back: your subscription is active again.",
    "stopped": "Unsubscribed. Send /start to subscribe again.",
    "not_subscribed": "This chat is not subscribed. Send /start first.",
    "not_allowed": "Sorry, this bot is private. Ask its operator for access.",
    "admin_only": "Sorry, that command is for the bot's operators.",
    "group_admins_only": "Sorry, only this group's admins can change its settings.",
    "group_check_failed": (
        "I could not check whether you are an admin of this group. Please try again shortly."
    ),
    "topics_pick": "Tap a topic to follow or unfollow it:",
    "topics_all": "All topics, new ones too",
    "all_topics": "all topics (new ones too)",
    "mode_usage": (
        "Usage: /mode instant | hourly | daily [HH:MM]\ninstant: urgent topics at once, the rest"
        " in a daily digest; hourly or daily: everything in digests"
    ),
    "mode_set": "Mode: {mode}.",
    "mode_instant": "instant",
    "mode_hourly": "hourly",
    "mode_daily": "daily",
    "quiet_usage": "Usage: /quiet HH-HH (for example /quiet 22-07), or /quiet off",
    "quiet_set": "Quiet hours: {hours}. Messages wait until they end.",
    "quiet_off": "Quiet hours off.",
    "quiet_none": "none",
    "lang_usage": "Usage: /lang {choices}",
    "lang_set": "Language: {name}.",
    "format_usage": (
        "Usage: /format full | short\nfull: headline, first lines, other outlets and a link"
        " preview; short: headline, outlet and time"
    ),
    "format_set": "Alert layout: {format}.",
    "format_full": "full",
    "format_short": "short",
    # reading
    "digest_empty": "Nothing new since your last digest.",
    "search_usage": (
        'Usage: /search WORDS\nAll words must occur; "exact phrase"; OR between alternatives'
        " (Haftar OR Dbeibah); -word leaves out (Libya -drone); wagn* for any ending."
    ),
    "search_none": "Nothing found for {query}.",
    "search_head": "Results for {query}:",
    "status": (
        "Subscribed: {active}\nTopics: {topics}\nMode: {mode}\nAlert layout: {format}\n"
        "Quiet hours: {quiet}\nLanguage: {language}\nQueued messages: {pending}"
    ),
    "none": "none",
    "help": (
        "/start subscribe\n/stop unsubscribe\n/topics choose topics\n"
        "/mode instant|hourly|daily [HH:MM] how often: instant pushes urgent topics at once"
        " and sends the rest in a daily digest (and stories many outlets carry at once);"
        " hourly and daily send everything in digests\n/quiet HH-HH quiet hours\n"
        "/lang ar|fr|en language\n/format full|short alert layout\n/digest a digest now\n"
        '/search WORDS search the archive (OR, -word, "phrase")\n/status your settings\n'
        "/whoami your Telegram user id\n/help this list"
    ),
    "help_group": "\n\nIn a group, only its admins can change its settings.",
    "help_admin": (
        "\n\nOperators:\n/sources source health\n/stats today's figures\n/pause NAME\n"
        "/resume NAME\n/reload reload rules.yaml"
    ),
    "whoami": "Your Telegram user id: {user_id}\nThis chat's id: {chat_id}",
    "whoami_admin": "You are one of this bot's operators.",
    "whoami_how": (
        "To make someone an operator, the bot's owner adds their user id to SAHELWATCH_ADMINS"
        " (or access.admins in rules.yaml)."
    ),
    "unknown_command": "I don't know {command}. Send /help for the commands.",
    "plain_text": (
        "I send news alerts and digests; I don't read messages. Send /help for the commands,"
        " or /search WORDS to search the archive."
    ),
    # operators
    "paused": "Paused: {name}. /resume {name} starts it again.",
    "resumed": "Resumed: {name}. It is polled now.",
    "already_paused": "{name} is already paused. /resume {name} starts it again.",
    "not_paused": "{name} is not paused: it is running.",
    "paused_by_failures": (
        "{name} was not paused by an admin: it failed repeatedly and is tried again by itself."
    ),
    "unknown_source": "No source named {name}.",
    "did_you_mean": "Did you mean {names}?",
    "reloaded": "Rules reloaded.",
    "reload_failed": "Rules NOT reloaded (the old rules keep running):\n{errors}",
    "name_usage": "Usage: /{command} SOURCE NAME",
    "no_sources": "No sources yet.",
    "stats_today": "Today ({day}, {tz})",
    "stats_stories": "New stories: {n}",
    "stats_alerts": "Alerts by topic:",
    "stats_topic": "{topic}: {alerts} ({stories})",
    "stats_no_alerts": "Alerts: none yet",
    "stats_subscribers": "Subscribers: {total} ({modes})",
    "stats_no_subscribers": "Subscribers: none yet",
    "stats_sources": "Sources: {total}, {ok} ok",
    "stats_failing": "Failing: {names}",
    "stats_degraded": "Degraded: {names}",
    "stats_paused": "Paused: {names}",
    "stats_pending": "Messages waiting to be sent: {n}",
    "stats_sent": "Since start: {sent} sent, {failed} refused, {throttled} times throttled",
    # the command menu (setMyCommands)
    "menu_start": "subscribe",
    "menu_stop": "unsubscribe",
    "menu_topics": "choose topics",
    "menu_mode": "instant, hourly or daily",
    "menu_quiet": "quiet hours",
    "menu_lang": "language",
    "menu_format": "alert layout: full or short",
    "menu_digest": "a digest now",
    "menu_search": "search the archive",
    "menu_status": "your settings",
    "menu_whoami": "your Telegram user id",
    "menu_help": "the commands",
}
