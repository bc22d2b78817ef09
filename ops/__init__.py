"""Running the bot for months: metrics, the health/metrics HTTP endpoint, live rules reload and
the Docker HEALTHCHECK probe. Building blocks only; runner/service.py wires them together."""
