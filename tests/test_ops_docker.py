"""The Docker files, checked without a Docker engine: every COPY source exists and reaches the
build context, every package of the code is in the image, the image's contract (non-root user,
state volume, health check, command, no token) holds, and the docs name every metric."""

from __future__ import annotations

import fnmatch
import json
import re
import shlex
from pathlib import Path

import yaml
from prometheus_client import generate_latest

from ops.metrics import Metrics

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
IGNORED = [
    line.strip()
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]


def instructions() -> list[tuple[str, list[str]]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            rest = rest.strip()
            # exec form (JSON array) as Docker reads it; shell form split like a shell
            head, cmd, exec_form = rest.partition("CMD [")  # HEALTHCHECK [OPTIONS] CMD [...]
            if rest.startswith("["):
                args = json.loads(rest)
            elif word.upper() == "HEALTHCHECK" and cmd:
                args = [*shlex.split(head), "CMD", *json.loads("[" + exec_form)]
            else:
                args = shlex.split(rest)
            out.append((word.upper(), args))
    return out


def ignored(path: str) -> bool:
    """Whether .dockerignore keeps `path` out of the build context (the patterns we use)."""
    parts = path.rstrip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    verdict = False
    for pattern in IGNORED:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        hit = any(
            fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.replace("**/", ""))
            for prefix in prefixes
        )
        if hit:
            verdict = not negate
    return verdict


def copies() -> list[str]:
    sources = []
    for word, args in instructions():
        if word == "COPY" and not any(a.startswith("--from") for a in args):
            sources += [a for a in args if not a.startswith("--")][:-1]
    return sources


def test_every_copy_source_exists_and_is_in_the_context() -> None:
    sources = copies()
    assert "requirements.lock" in sources and "bot.py" in sources and "rules.yaml" in sources
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the project"
        assert not ignored(source), f"COPY {source}: excluded by .dockerignore"


def test_every_code_package_is_copied() -> None:
    copied = {source.rstrip("/") for source in copies()}
    skip = {"tests", "bench", "docs", "state", "seeds"}
    packages = {
        path.parent.name
        for path in ROOT.glob("*/*.py")
        if not path.parent.name.startswith(".") and path.parent.name not in skip
    }
    assert packages, "no package found"
    assert packages <= copied, f"missing from the image: {sorted(packages - copied)}"
    assert "seeds" in copied  # rules.yaml's offline demo source reads seeds/feeds


def test_the_context_keeps_secrets_and_local_state_out() -> None:
    for path in (".env", "prod.env", ".venv/bin/python", ".git/config", "state/sahelwatch.db",
                 "ops/__pycache__/x.pyc", "tests/test_ops_docker.py", "rules/rules.yaml"):  # fmt: skip
        assert ignored(path), path


def test_the_image_contract() -> None:
    steps = instructions()
    froms = [args for word, args in steps if word == "FROM"]
    assert [f[0] for f in froms] == ["${PYTHON_IMAGE}", "${PYTHON_IMAGE}"]
    assert froms[0][-1] == "builder"
    assert ["PYTHON_IMAGE=python:3.11-slim"] in [args for word, args in steps if word == "ARG"]
    installs = " ".join(" ".join(args) for word, args in steps if word == "RUN")
    assert "pip install --require-hashes --only-binary=:all: -r /tmp/requirements.lock" in installs
    assert any(word == "COPY" and args[0] == "--from=builder" for word, args in steps)
    users = [args[0] for word, args in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert ["/app/state"] in [args for word, args in steps if word == "VOLUME"]
    env = " ".join(" ".join(args) for word, args in steps if word == "ENV")
    assert "SAHELWATCH_HTTP=0.0.0.0:8080" in env and "STATE_DIR=/app/state" in env
    assert "TELEGRAM_BOT_TOKEN" not in env
    assert "TOKEN" not in " ".join(" ".join(args) for word, args in steps if word == "ARG")
    [health] = [args for word, args in steps if word == "HEALTHCHECK"]
    options, probe = health[: health.index("CMD")], health[health.index("CMD") + 1 :]
    assert probe == ["python", "-m", "ops.healthcheck"]
    assert {option.split("=")[0] for option in options} == {
        "--interval", "--timeout", "--start-period", "--retries",
    }  # fmt: skip
    assert [args for word, args in steps if word == "WORKDIR"][-1] == ["/app"]
    assert steps[-1] == ("CMD", ["python", "bot.py", "run"])


def test_compose_example() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    service = compose["services"]["sahelwatch"]
    assert service["build"] == "." and service["init"] is True
    assert service["environment"]["TELEGRAM_BOT_TOKEN"] == "${TELEGRAM_BOT_TOKEN:-}"
    mounts = dict(volume.split(":", 1) for volume in service["volumes"])
    assert mounts["state"] == "/app/state"
    rules = service["command"][service["command"].index("--rules") + 1]
    assert any(rules.startswith(target.split(":")[0] + "/") for target in mounts.values())
    assert service["ports"] == ["127.0.0.1:8080:8080"]
    assert "state" in compose["volumes"]


def test_docs_name_every_metric_and_variable() -> None:
    docs = (ROOT / "docs" / "docker.md").read_text(encoding="utf-8")
    names = re.findall(r"^# TYPE (\S+) ", generate_latest(Metrics().registry).decode(), flags=re.M)
    assert len(names) >= 11
    for name in names:
        assert f"`{name}`" in docs, f"{name} is not documented in docs/docker.md"
    for variable in ("TELEGRAM_BOT_TOKEN", "TELEGRAM_API_URL", "STATE_DIR", "SAHELWATCH_ADMINS",
                     "SAHELWATCH_HTTP"):  # fmt: skip
        assert f"`{variable}`" in docs
    assert "docker run" in docs and "docker compose up" in docs
