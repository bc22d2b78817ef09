"""`story` and `recluster`: why reports form the stories they form, and what other settings
would make of them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cli.common import add_command, rules_or_exit
from cli.stories import since_or_none
from core.errors import StoreError


def register(sub: Any) -> None:
    story = add_command(
        sub,
        "story",
        "one story: its reports and why each joined it",
        run_story,
        "Print a story (its topics, languages and outlets) and every report in it, in the order\n"
        "they joined, each with why: a near-duplicate of which report, or the same event as the\n"
        "story with its score against stories: event_score and what made it (shared people,\n"
        "places and organisations, the kind of happening, words, numbers, headline places, time).\n"
        "A story merged into another is shown as the one it is now part of.",
    )
    story.add_argument("story_id", type=int, metavar="ID", help="the story id (export, search)")
    story.add_argument("--json", action="store_true", help="one JSON object")

    again = add_command(
        sub,
        "recluster",
        "rebuild stories over stored reports with the current settings",
        run_recluster,
        "Match every report first seen since --since again and file it anew, in the order of its\n"
        "time, with the current rules (event vocabulary) and stories: settings (event_score,\n"
        "window, similarity), as the live stream would have. Prints stories before and after\n"
        "and the reports that changed story, then applies it (stories and alerts already sent\n"
        "keep their meaning; nobody is sent an event twice). --dry-run changes nothing. Stop\n"
        "the service first: the state database has one writer.",
    )
    again.add_argument("--since", default="30d", metavar="AGE|DATE", help="default 30d")
    again.add_argument("--dry-run", action="store_true", help="show the change, write nothing")


def run_story(args: argparse.Namespace) -> int:
    from storage import queries
    from storage.connect import read_only

    asked = args.story_id
    try:
        with read_only(args.state) as conn:
            target = queries.merged_into(conn, asked) or asked
            view = queries.story_view(conn, target)
            members = queries.story_members(conn, target) if view is not None else []
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return 1
    if view is None:
        print(f"no story {asked}", file=sys.stderr)
        return 1
    if args.json:
        import json

        record = {
            "story_id": view.id,
            "asked": asked,
            "title": view.title,
            "topics": list(view.topics),
            "languages": list(view.languages),
            "sources": list(view.sources),
            "members": [
                {
                    "item_id": m.item_id,
                    "source": m.source,
                    "lang": m.lang,
                    "published": m.published.isoformat() if m.published else None,
                    "title": m.title,
                    "url": m.url,
                    "why": m.reason,
                    "score": m.score,
                }
                for m in members
            ],
        }
        print(json.dumps(record, ensure_ascii=False))
        return 0
    if target != asked:
        print(f"story {asked} was merged into story {target}")
    print(f"story {view.id}: {view.title}")
    print(f"  topics: {', '.join(view.topics) or '-'}")
    print(f"  languages: {', '.join(view.languages) or '-'}; outlets: {', '.join(view.sources)}")
    print(f"  first seen {view.first_seen:%Y-%m-%d %H:%M}, last {view.last_seen:%Y-%m-%d %H:%M}")
    for m in members:
        when = m.published.strftime("%Y-%m-%d %H:%M") if m.published else "????-??-?? ??:??"
        print(f"\n  {when}  {m.source} [{m.lang or '?'}]  item {m.item_id}")
        print(f"    {m.title}")
        print(f"    {m.url}")
        print(f"    why: {m.reason}")
    return 0


def run_recluster(args: argparse.Namespace) -> int:
    from core.clock import SystemClock
    from runner.recluster import recluster
    from storage.db import open_state
    from storage.store import Store

    ok, since = since_or_none(args)
    rules = rules_or_exit(args)
    if rules is None or not ok:
        return 1
    store = Store(open_state(args.state), SystemClock())  # the one writer: it rewrites stories
    try:
        done = recluster(store, rules, since, apply=not args.dry_run)
    finally:
        store.close()
    scope = f"since {since:%Y-%m-%d %H:%M}" if since else "all"
    print(
        f"reclustered {done.reports} reports ({scope}) in {done.seconds:.1f} s,"
        f" {done.rate:.0f} reports/s"
    )
    print(f"stories: {done.stories_before} before, {done.stories_after} after")
    print(f"reports that changed story: {done.moved}")
    print("applied" if done.applied else "dry run: nothing written")
    return 0
