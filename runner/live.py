"""The service's optional companions: live rules reload and the /healthz + /metrics endpoint.

`Live` watches the rules file (content hash) and swaps valid edits into the running `Service`;
a broken edit is logged and sent to the admins with its file:line:column errors, and the old
rules keep running (once a good edit is applied, the service tells the admins). With an
address (`--http` or SAHELWATCH_HTTP) it also serves `/healthz` and `/metrics`.
"""

from __future__ import annotations

import logging

from config import Rules
from core.log import event
from ops.httpserver import OpsServer, parse_listen
from ops.reload import RulesWatcher, file_digest
from runner.service import Service

LOG = logging.getLogger(__name__)


class Live:
    def __init__(self, service: Service, http: str = "", reload_every_s: float = 2.0) -> None:
        self.service = service
        self.watcher = RulesWatcher(
            service.rules_path,
            self._good,
            self._bad,
            interval_s=reload_every_s,
            baseline=file_digest(service.rules_path),
            metrics=service.metrics,
        )
        self.server: OpsServer | None = None
        if http:
            host, port = parse_listen(http)
            self.server = OpsServer(
                service.status, host=host, port=port, registry=service.metrics.registry
            )

    async def _good(self, rules: Rules) -> None:
        digest = file_digest(self.service.rules_path)
        if digest == self.service.applied_digest:
            return  # /reload already applied this very content
        self.service.apply(rules)
        self.service.applied_digest = digest

    async def _bad(self, errors: list[str]) -> None:
        self.service.refused_edit = True  # the admins hear when good rules run again
        for line in errors:
            LOG.warning("rules edit refused: %s", line)
        text = "rules.yaml edit refused; the previous rules keep running:\n" + "\n".join(errors)
        await self.service.sink.notify_admins(text)
        event("reload", "rules", ok=False, errors=len(errors), level=logging.WARNING)

    async def start(self) -> None:
        self.watcher.start()
        if self.server is not None:
            await self.server.start()
            event("http", "ops", url=self.server.url)

    async def stop(self) -> None:
        await self.watcher.stop()
        if self.server is not None:
            await self.server.stop()
