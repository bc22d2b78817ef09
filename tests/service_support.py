"""Helpers for the end-to-end tests of `bot.py run`: rules files, tiny feeds, the process itself.

    proc = ServiceProcess(tmp_path, rules, env={...}).start("--log-level", "INFO")
    try:
        proc.wait_for(lambda: proc.healthz()[0] == 200, "ready")
        ...
    finally:
        proc.kill()

The process writes stdout and stderr to files (a pipe nobody reads would fill and block it), so
tests can poll the text while it runs. Every wait is a bounded loop on a condition, never a
fixed sleep taken as proof.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 60.0
SEED_FEED = ROOT / "seeds" / "feeds" / "ar_seed-article.xml"
ENV_OWN = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "SAHELWATCH_HTTP", "SAHELWATCH_ADMINS")
TOKEN = "5550001:AAH-e2e_secret-T0KEN-9f3k"  # what the local Bot API server accepts
SECRET = TOKEN.split(":", 1)[1]
SEED_TITLE = "صدام حفتر في واغادوغو لتعزيز التعاون مع تحالف دول الساحل"


def rss(name: str, titles: list[str]) -> bytes:
    """A small RSS 2.0 feed with one item per title (neutral titles match no topic)."""
    items = "".join(
        f"<item><title>{escape(t)}</title><link>https://example.org/{name}/{i}</link>"
        f"<guid isPermaLink='false'>{name}-{i}</guid></item>"
        for i, t in enumerate(titles)
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel><title>{name}</title>"
        f"<link>https://example.org/{name}</link><description>test</description>{items}"
        "</channel></rss>"
    ).encode()


def source(name: str, url: str, every: str = "1s", lang: str = "en") -> dict[str, object]:
    return {"name": name, "kind": "rss", "url": url, "lang": lang, "every": every}


def rules_text(sources: list[dict[str, object]], **overrides: Any) -> str:
    """The default rules.yaml with its sources replaced, polled often (min_every 1s)."""
    data = yaml.safe_load((ROOT / "rules.yaml").read_text(encoding="utf-8"))
    data["sources"] = sources
    data["fetch"] = {**data.get("fetch", {}), "min_every": "1s"}
    data.update(overrides)
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_rules(tmp: Path, sources: list[dict[str, object]]) -> Path:
    """`rules_text(sources)` written to tmp/rules.yaml; its path."""
    path = tmp / "rules.yaml"
    path.write_text(rules_text(sources), encoding="utf-8")
    return path


def replace_file(path: Path, text: str) -> None:
    """Write `text` to a temporary file beside `path`, then rename it over `path` (as editors do)."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(condition: Callable[[], Any], what: str, timeout: float = DEADLINE_S) -> Any:
    """Poll `condition` until it is truthy (its value is returned); AssertionError at the end."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def http_get(url: str) -> tuple[int, str]:
    """(status, body) or (0, error) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")
    except OSError as exc:
        return 0, repr(exc)


class ServiceProcess:
    """`bot.py run` in a subprocess with its own state folder, rules file and ops port."""

    def __init__(self, tmp: Path, rules: Path, env: dict[str, str] | None = None) -> None:
        self.tmp = tmp
        self.rules = rules
        self.state = tmp / "state"
        self.port = free_port()
        self.env = {k: v for k, v in os.environ.items() if k not in ENV_OWN}
        self.env.update(STATE_DIR=str(self.state), PYTHONUNBUFFERED="1", **(env or {}))
        self.proc: subprocess.Popen[bytes] | None = None
        self.out_path = tmp / "run.stdout"
        self.err_path = tmp / "run.stderr"

    def start(self, *extra: str) -> ServiceProcess:
        cmd = [
            sys.executable, str(ROOT / "bot.py"), "run", "--rules", str(self.rules),
            "--reload-every", "0.2", "--http", f"127.0.0.1:{self.port}", *extra,
        ]  # fmt: skip
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            self.proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT, env=self.env)
        return self

    # -- what it says ---------------------------------------------------------------------------

    def stdout(self) -> str:
        return self.out_path.read_bytes().decode("utf-8", "replace")

    def stderr(self) -> str:
        return self.err_path.read_bytes().decode("utf-8", "replace")

    def errors(self) -> str:
        """The log's ERROR lines (the first line of each), for short failure messages."""
        return "\n".join(line for line in self.stderr().splitlines() if " ERROR " in line)

    def healthz(self) -> tuple[int, dict[str, Any]]:
        status, body = http_get(f"http://127.0.0.1:{self.port}/healthz")
        return status, (json.loads(body) if status in (200, 503) else {})

    def metrics(self) -> str:
        status, body = http_get(f"http://127.0.0.1:{self.port}/metrics")
        return body if status == 200 else ""

    def wait_for(self, condition: Callable[[], Any], what: str, timeout: float = DEADLINE_S) -> Any:
        """`wait_for`, failing early (with the logs) when the process ends."""

        def check() -> Any:
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(
                    f"bot.py run exited ({self.proc.returncode}) while waiting for {what}:\n"
                    f"{self.stderr()[-3000:]}"
                )
            return condition()

        return wait_for(check, what, timeout)

    def wait_ready(self) -> dict[str, Any]:
        """Wait for /healthz to answer 200; its JSON body."""
        answer: tuple[int, dict[str, Any]] = self.wait_for(
            lambda: (got := self.healthz())[0] == 200 and got, "/healthz 200"
        )
        return answer[1]

    # -- signals and the end --------------------------------------------------------------------

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def wait_exit(self, timeout: float = DEADLINE_S) -> int:
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"bot.py run still running {timeout}s after the signal:\n{self.stderr()[-3000:]}"
            ) from None

    def kill(self) -> None:
        """The test's `finally`: make sure the process is gone."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def run_bot(
    state: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`bot.py ARGS` to its end, on the state folder `state`, with none of the bot's own
    environment variables but those in `env` (so without a token: to the terminal)."""
    full = {k: v for k, v in os.environ.items() if k not in ENV_OWN}
    full.update(STATE_DIR=str(state), **(env or {}))
    return subprocess.run(
        [sys.executable, str(ROOT / "bot.py"), *args],
        capture_output=True, text=True, cwd=ROOT, env=full, timeout=300, check=False,  # a hang guard
    )  # fmt: skip


def run_once(tmp: Path, rules: Path, state: Path) -> subprocess.CompletedProcess[str]:
    """`bot.py once` on the same state, delivering to the terminal."""
    return run_bot(state, "once", "--rules", str(rules))
