"""The Docker HEALTHCHECK probe: `python -m ops.healthcheck [--url URL] [--timeout S]`.

Exits 0 when GET /healthz answers 200, 1 otherwise (503, refused, timeout, garbage), printing one
line that `docker inspect` shows. Without --url it asks the server SAHELWATCH_HTTP names, on the
loopback when that is a wildcard address (0.0.0.0 / ::). Standard library only (and our own
stdlib-only modules), and no proxies.
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping

from ops.httpserver import ENV_VAR, parse_listen

DEFAULT_LISTEN = "127.0.0.1:8080"
_WILDCARDS = {"0.0.0.0", "::", "*"}


def default_url(environ: Mapping[str, str] | None = None) -> str:
    """The /healthz URL for SAHELWATCH_HTTP (host:port), with a wildcard host read as loopback."""
    env = os.environ if environ is None else environ
    host, port = parse_listen(env.get(ENV_VAR, "").strip() or DEFAULT_LISTEN)
    if host in _WILDCARDS:
        host = "::1" if ":" in host else "127.0.0.1"
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/healthz"


def probe(url: str, timeout_s: float = 3.0) -> tuple[bool, str]:
    """(healthy, one line saying why)."""
    # An empty ProxyHandler: HTTP(S)_PROXY in the environment must not reroute a loopback probe.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout_s) as response:
            status = response.status
            body = response.read(2048).decode("utf-8", "replace").strip()
    except urllib.error.HTTPError as exc:
        body = exc.read(2048).decode("utf-8", "replace").strip()
        return False, f"unhealthy: HTTP {exc.code} {body}"
    except (OSError, ValueError, http.client.HTTPException) as exc:
        return False, f"unhealthy: {url}: {exc}"
    if status != 200:
        return False, f"unhealthy: HTTP {status} {body}"
    return True, f"healthy: {body}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ops.healthcheck", description="Exit 0 when /healthz answers 200."
    )
    parser.add_argument("--url", default=None, help="default: from SAHELWATCH_HTTP")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds (default: 3)")
    args = parser.parse_args(argv)
    try:
        url = args.url or default_url()
    except ValueError as exc:  # a malformed SAHELWATCH_HTTP
        print(f"unhealthy: {exc}")
        return 1
    healthy, line = probe(url, args.timeout)
    print(line[:500])
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
