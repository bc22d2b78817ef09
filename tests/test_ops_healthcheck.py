"""ops.healthcheck, run the way Docker's HEALTHCHECK runs it: exit 0 against a healthy server,
1 against an unhealthy, dead or wrong one."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from core.clock import FixedClock
from ops.healthcheck import default_url
from ops.httpserver import Health, OpsServer

ROOT = Path(__file__).resolve().parent.parent
T0 = datetime(2026, 8, 13, 4, 0, tzinfo=UTC)


async def run_probe(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ops.healthcheck", *args,
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_exit_codes_against_live_and_dead_servers() -> None:
    state = {"health": Health(ready=True, last_successful_cycle=T0, pending_outbox=2)}
    async with OpsServer(lambda: state["health"], clock=FixedClock(T0)) as srv:
        code, out = await run_probe("--url", f"{srv.url}/healthz")
        assert (code, out.split(":")[0]) == (0, "healthy")
        assert '"pending_outbox": 2' in out

        state["health"] = Health(ready=False)
        code, out = await run_probe("--url", f"{srv.url}/healthz")
        assert code == 1 and "HTTP 503" in out and "not_ready" in out

        code, out = await run_probe("--url", f"{srv.url}/nothing-here")
        assert code == 1 and "HTTP 404" in out

        # no --url: SAHELWATCH_HTTP names the server, a wildcard host is read as loopback
        env = {"SAHELWATCH_HTTP": f"0.0.0.0:{srv.port}", "PATH": "/usr/bin:/bin"}
        state["health"] = Health(ready=True, last_successful_cycle=T0)
        assert (await run_probe(env=env))[0] == 0

    code, out = await run_probe(
        "--url", f"http://127.0.0.1:{free_port()}/healthz", "--timeout", "2"
    )
    assert code == 1 and out.startswith("unhealthy:")


def test_default_url() -> None:
    assert default_url({}) == "http://127.0.0.1:8080/healthz"
    assert default_url({"SAHELWATCH_HTTP": "0.0.0.0:8080"}) == "http://127.0.0.1:8080/healthz"
    assert default_url({"SAHELWATCH_HTTP": ":9100"}) == "http://127.0.0.1:9100/healthz"
    assert default_url({"SAHELWATCH_HTTP": "[::]:9100"}) == "http://[::1]:9100/healthz"
    assert default_url({"SAHELWATCH_HTTP": "10.1.2.3:81"}) == "http://10.1.2.3:81/healthz"
    assert default_url({"SAHELWATCH_HTTP": "[::1]:81"}) == "http://[::1]:81/healthz"


async def test_malformed_listen_address_is_unhealthy_not_a_traceback() -> None:
    code, out = await run_probe(env={"SAHELWATCH_HTTP": "host:http", "PATH": "/usr/bin:/bin"})
    assert code == 1 and out.startswith("unhealthy: SAHELWATCH_HTTP='host:http'")


async def test_a_server_answering_garbage_is_unhealthy() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        code, out = await run_probe("--url", f"http://127.0.0.1:{port}/healthz")
    assert code == 1 and out.startswith("unhealthy:") and "Traceback" not in out


def test_the_probe_does_not_load_the_metrics_library() -> None:
    """Docker runs it every 30 s: the metrics library stays out of ops.httpserver's imports."""
    code = "import sys, ops.healthcheck; print([m for m in sys.modules if 'prometheus' in m])"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert proc.stdout.strip() == "[]"
