# syntax=docker/dockerfile:1
# Sahel Watch: `docker build -t sahelwatch .` then see docs/docker.md.
#
# Two stages on the same official base: the builder installs the hash-locked runtime
# dependencies (wheels only, no compiler) into /opt/venv; the final stage copies that venv and
# the code, and runs as an unprivileged user. The bot token is never baked in: it comes from
# the environment at `docker run` time. To pin the base by digest, build with
#   --build-arg PYTHON_IMAGE=python:3.11-slim@sha256:<digest>
ARG PYTHON_IMAGE=python:3.11-slim

FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --only-binary=:all: -r /tmp/requirements.lock \
 && /opt/venv/bin/python -c "import telegram, httpx, feedparser, trafilatura, apscheduler, sqlite_utils, yaml, ahocorasick"

FROM ${PYTHON_IMAGE}
LABEL org.opencontainers.image.title="Sahel Watch" \
      org.opencontainers.image.description="Self-hosted Telegram news monitor for Libya, the Sahel and Russia's military footprint in Africa"
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STATE_DIR=/app/state \
    SAHELWATCH_HTTP=0.0.0.0:8080
RUN groupadd --system --gid 10001 sahel \
 && useradd --system --uid 10001 --gid sahel --home-dir /app --no-create-home \
      --shell /usr/sbin/nologin sahel
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The code, read-only for the bot's user (owned by root); only state/ is writable.
COPY bot.py rules.yaml ./
COPY cli/ cli/
COPY config/ config/
COPY core/ core/
COPY delivery/ delivery/
COPY matching/ matching/
COPY ops/ ops/
COPY runner/ runner/
COPY seeds/ seeds/
COPY storage/ storage/
COPY stories/ stories/
COPY watchers/ watchers/
RUN python -m compileall -q /app \
 && mkdir -p /app/state \
 && chown sahel:sahel /app/state
USER sahel:sahel
VOLUME ["/app/state"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-m", "ops.healthcheck"]
CMD ["python", "bot.py", "run"]
