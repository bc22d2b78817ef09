"""Live reload of rules.yaml: notice an edit, validate it, hand over good rules, refuse bad ones.

`RulesWatcher` polls the file's *content* hash (editors replace files by rename, and mtimes can
stay put or jump back; a hash of what is there now sees every real change and ignores `touch`).
A changed file is read once, left to settle briefly (an editor caught half-way through a write
is read again next time, not reported as broken), and validated from that one snapshot with the
loader. Good rules go to `on_good(rules)`; bad ones to `on_bad(messages)`, one
`FILE:LINE:COLUMN: message` string per issue, and the old rules keep running. Each distinct
content is reported once. The loop never raises. (`/reload` is the service's own:
runner.service.Service.reload.)
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from config import Rules, file_exists, parse_rules
from core.errors import RulesError, RulesIssue
from core.log import event
from ops.metrics import Metrics

OnGood = Callable[[Rules], Awaitable[None]]
OnBad = Callable[[list[str]], Awaitable[None]]
_MISSING = "missing"  # the digest of a file that is not there


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of the file's bytes, or None when it cannot be read (missing, a directory...)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


class RulesWatcher:
    """Polls `path` every `interval_s` seconds and reports each new content once.

    `baseline` is the digest of the content already running (take `file_digest(path)` *before*
    loading the rules at start-up); without it, whatever the file holds at `start()` counts as
    running. `settle_s` is how long a changed file must stay the same before it is validated.
    Each report counts in `metrics` (the service's) as `rules_reloads_total{result=...}`.
    """

    def __init__(
        self,
        path: str | Path,
        on_good: OnGood,
        on_bad: OnBad,
        interval_s: float = 2.0,
        *,
        baseline: str | None = None,
        settle_s: float = 0.2,
        metrics: Metrics | None = None,
    ) -> None:
        self.path = Path(path)
        self.on_good = on_good
        self.on_bad = on_bad
        self.interval_s = interval_s
        self.settle_s = settle_s
        self.reloads = (metrics or Metrics()).rules_reloads  # by result
        self._seen: str | None = baseline
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start polling in the running loop (idempotent)."""
        if self._task is not None and not self._task.done():
            return
        if self._seen is None:
            self._seen = file_digest(self.path) or _MISSING
        self._task = asyncio.get_running_loop().create_task(self._run(), name="rules-watcher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)  # a cancel of our caller still counts

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            await self.poll_once()

    async def poll_once(self) -> bool:
        """One look at the file: validate and report it if its content changed since the last
        report. True when something was reported. Never raises (except cancellation)."""
        try:
            async with self._lock:
                return await self._poll()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the watcher outlives anything a check can throw
            event("reload", "rules", level=logging.ERROR, path=str(self.path), error=repr(exc))
            return False

    async def _poll(self) -> bool:
        data = _read(self.path)
        digest = _digest(data)
        if digest == self._seen:
            return False
        await asyncio.sleep(self.settle_s)
        again = _read(self.path)
        if _digest(again) != digest:
            return False  # still being written: look again next time
        self._seen = digest
        await self._validate_and_report(data)
        return True

    async def _validate_and_report(self, data: bytes | None) -> list[str]:
        name = str(self.path)
        messages: list[str] = []
        rules: Rules | None = None
        if data is None:
            messages = [f"{name}:1:1: file not found or unreadable; the running rules stay"]
        else:
            try:
                rules = await asyncio.to_thread(_parse, data, name)
            except RulesError as exc:
                messages = [str(issue) for issue in exc.issues]
        if rules is not None:
            try:
                await self.on_good(rules)
            except Exception as exc:
                self.reloads.labels(result="failed").inc()
                event("reload", "rules", level=logging.ERROR, path=name, error=repr(exc))
                messages = [f"{name}: the rules are valid but could not be applied: {exc!r}"]
                await self._tell_bad(messages)
                return messages
            self.reloads.labels(result="applied").inc()
            event("reload", "rules", path=name, result="applied", sources=len(rules.sources))
            return []
        self.reloads.labels(result="refused").inc()
        event(
            "reload",
            "rules",
            level=logging.WARNING,
            path=name,
            result="refused",
            issues=len(messages),
            first=messages[0],
        )
        await self._tell_bad(messages)
        return messages

    async def _tell_bad(self, messages: list[str]) -> None:
        try:
            await self.on_bad(messages)
        except Exception as exc:
            event("reload", "rules", level=logging.ERROR, stage_error="on_bad", error=repr(exc))


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _digest(data: bytes | None) -> str:
    return _MISSING if data is None else hashlib.sha256(data).hexdigest()


def _parse(data: bytes, name: str) -> Rules:
    """The loader's own validation (config.parse_rules with the same check of file sources'
    paths as load_rules) on one snapshot of the bytes, so the rules validated are exactly the
    content hashed."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RulesError([RulesIssue(name, 1, 1, f"cannot read the file: {exc}")]) from None
    return parse_rules(text, name, exists=file_exists)
