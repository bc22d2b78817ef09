"""News in: one polite HTTP client, one parser per kind of source, polling and scheduling.

Every kind of source yields the same `core.items.Item`. The flow inside this package:

    http.Fetcher (polite, bounded GET) -> poll.poll (fetch + parse, never raises for a source)
    -> schedule.after_poll (pure: next check, backoff, pause)
    -> scheduler.WatchScheduler (APScheduler 3)

Parsers (`rss`, `jsonfeed`, `gdelt`, `google_news`, `telegram_channel`) are pure: bytes in, items
out; `kinds` is the one table of each kind of source's address and parser; `files` reads a `file`
source's files from disk. `fulltext.fetch_text` fetches an article page and extracts its main text.
"""
