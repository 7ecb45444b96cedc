#!/usr/bin/env bash
# The one set-up behind `npm start` and `npm test` (and bench, demo): dependencies, PostgreSQL, Redis, the database
# and its migrations. Idempotent and quiet when everything is already up.
#
# Where the services come from, in order:
#   1. DATABASE_URL / REDIS_URL from the environment, or from .env.local written by an earlier run;
#   2. the local defaults (PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379);
#   3. `docker compose up -d postgres redis` when a Docker engine answers;
#   4. project-local servers in ./.data (PostgreSQL on 54329, Redis on 63799), installing the Debian/Ubuntu
#      packages first when they are missing and we are root.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=app
[ "${1:-}" = "--test" ] && MODE=test
ENVFILE=$ROOT/.env.local
DATA=$ROOT/.data
LOCAL_PG_PORT=54329
LOCAL_REDIS_PORT=63799

log() { echo "[setup] $*"; }
die() { echo "[setup] ERROR: $*" >&2; exit 1; }

# ── 1. dependencies ────────────────────────────────────────────────────────────────────────────────────────────
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  command -v npm >/dev/null || die "npm is missing: install Node.js 20 or newer"
  log "installing dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# ── 1b. the web console (web/, its own package and lockfile): installed and rebuilt when its sources changed ──
bash scripts/build-console.sh

probe() { node scripts/services.js "$1" "$2" >/dev/null 2>&1; }
from_envfile() { [ -f "$ENVFILE" ] && grep -E "^$1=" "$ENVFILE" | tail -n 1 | cut -d= -f2- || true; }
set_envfile() { # KEY VALUE (empty VALUE removes the key)
  touch "$ENVFILE"
  grep -vE "^$1=" "$ENVFILE" > "$ENVFILE.tmp" || true
  [ -n "$2" ] && echo "$1=$2" >> "$ENVFILE.tmp"
  mv "$ENVFILE.tmp" "$ENVFILE"
}
docker_up() { command -v docker >/dev/null && docker info >/dev/null 2>&1; }
as_root() { [ "$(id -u)" = 0 ]; }
apt_install() {
  as_root && command -v apt-get >/dev/null || return 1
  log "installing $* with apt-get"
  [ -n "${APT_UPDATED:-}" ] || { apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1
}
# docker compose: PostgreSQL and Redis on 127.0.0.1 with passwords generated once per installation (.data/compose.env).
COMPOSE_ENV=$DATA/compose.env
compose_env() {
  if [ ! -s "$COMPOSE_ENV" ]; then
    mkdir -p "$DATA" && chmod 700 "$DATA"
    ( umask 077
      { echo "POSTGRES_PASSWORD=$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')"
        echo "REDIS_PASSWORD=$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))')"; } > "$COMPOSE_ENV" )
  fi
  COMPOSE_PG_URL="postgres://postgres:$(grep '^POSTGRES_PASSWORD=' "$COMPOSE_ENV" | cut -d= -f2-)@127.0.0.1:5432/ebidding"
  COMPOSE_REDIS_URL="redis://:$(grep '^REDIS_PASSWORD=' "$COMPOSE_ENV" | cut -d= -f2-)@127.0.0.1:6379"
}
compose_up() { compose_env; docker compose --env-file "$COMPOSE_ENV" up -d "$@" >/dev/null; }
wait_for() { # kind url seconds
  for _ in $(seq 1 "$3"); do probe "$1" "$2" && return 0; sleep 1; done
  return 1
}

# ── 1c. the browser tests' Chromium and a CJK font (test mode only; Debian packages, never a browser download) ─
# playwright-core drives Debian's chromium-headless-shell (/usr/bin/chromium-headless-shell); fonts-wqy-microhei
# renders the console's Chinese in screenshots (without it every character is a box).
if [ "$MODE" = test ]; then
  if [ ! -x /usr/bin/chromium-headless-shell ]; then
    apt_install chromium-headless-shell ||
      log "WARNING: chromium-headless-shell is missing and cannot be installed here (need root and apt-get): the browser tests will fail"
  fi
  if [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
    apt_install fonts-wqy-microhei ||
      log "WARNING: fonts-wqy-microhei is missing and cannot be installed here: screenshots will show boxes for Chinese"
  fi
fi

# ── 2. PostgreSQL ──────────────────────────────────────────────────────────────────────────────────────────────
start_local_pg() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$bin" ]; then
    apt_install postgresql || die "PostgreSQL is not running and cannot be installed here (need root and apt-get). Install PostgreSQL 14+ or set DATABASE_URL."
    bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  local run=()
  mkdir -p "$DATA/pg"
  if as_root; then
    id postgres >/dev/null 2>&1 || useradd --system --home "$DATA/pg" postgres
    chown -R postgres "$DATA/pg"
    run=(runuser -u postgres --)
  fi
  if [ ! -f "$DATA/pg/PG_VERSION" ]; then
    log "initialising a project-local PostgreSQL in .data/pg"
    "${run[@]}" "$bin/initdb" -D "$DATA/pg" -U postgres -A trust -E UTF8 >/dev/null
  fi
  log "starting the project-local PostgreSQL on 127.0.0.1:$LOCAL_PG_PORT"
  "${run[@]}" "$bin/pg_ctl" -D "$DATA/pg" -l "$DATA/pg/server.log" -w -t 60 \
    -o "-p $LOCAL_PG_PORT -k $DATA/pg -c listen_addresses=127.0.0.1" start >/dev/null
}

PG_URL=${DATABASE_URL:-$(from_envfile DATABASE_URL)}
if [ -n "$PG_URL" ] && probe pg "$PG_URL"; then :
elif [ -n "${DATABASE_URL:-}" ] && [[ "$DATABASE_URL" != *":$LOCAL_PG_PORT/"* ]]; then
  die "DATABASE_URL is set but PostgreSQL does not answer there ($DATABASE_URL)"
elif probe pg "postgres://postgres@127.0.0.1:5432/ebidding"; then
  PG_URL=""; set_envfile DATABASE_URL ""
elif docker_up; then
  log "starting PostgreSQL and Redis with docker compose"
  compose_up postgres redis
  wait_for pg "$COMPOSE_PG_URL" 60 || die "the PostgreSQL container did not answer"
  PG_URL=$COMPOSE_PG_URL; [ -n "${DATABASE_URL:-}" ] || set_envfile DATABASE_URL "$PG_URL"
else
  start_local_pg
  PG_URL="postgres://postgres@127.0.0.1:$LOCAL_PG_PORT/ebidding"
  wait_for pg "$PG_URL" 30 || die "the project-local PostgreSQL did not answer (see .data/pg/server.log)"
  [ -n "${DATABASE_URL:-}" ] || set_envfile DATABASE_URL "$PG_URL"
fi

# ── 3. Redis ───────────────────────────────────────────────────────────────────────────────────────────────────
start_local_redis() {
  command -v redis-server >/dev/null || apt_install redis-server ||
    die "Redis is not running and cannot be installed here (need root and apt-get). Install Redis 6.2+ or set REDIS_URL."
  mkdir -p "$DATA/redis"
  log "starting the project-local Redis on 127.0.0.1:$LOCAL_REDIS_PORT"
  redis-server --port "$LOCAL_REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$DATA/redis" \
    --appendonly yes --save "" --logfile "$DATA/redis/server.log" --pidfile "$DATA/redis/redis.pid" >/dev/null
}

RD_URL=${REDIS_URL:-$(from_envfile REDIS_URL)}
if [ -n "$RD_URL" ] && probe redis "$RD_URL"; then :
elif [ -n "${REDIS_URL:-}" ] && [[ "$REDIS_URL" != *":$LOCAL_REDIS_PORT"* ]]; then
  die "REDIS_URL is set but Redis does not answer there ($REDIS_URL)"
elif probe redis "redis://127.0.0.1:6379"; then
  RD_URL=""; set_envfile REDIS_URL ""
elif docker_up; then
  compose_up redis
  wait_for redis "$COMPOSE_REDIS_URL" 30 || die "the Redis container did not answer"
  RD_URL=$COMPOSE_REDIS_URL; [ -n "${REDIS_URL:-}" ] || set_envfile REDIS_URL "$RD_URL"
else
  start_local_redis
  RD_URL="redis://127.0.0.1:$LOCAL_REDIS_PORT"
  wait_for redis "$RD_URL" 20 || die "the project-local Redis did not answer (see .data/redis/server.log)"
  [ -n "${REDIS_URL:-}" ] || set_envfile REDIS_URL "$RD_URL"
fi

# ── 4. the database and its migrations ─────────────────────────────────────────────────────────────────────────
[ -n "$PG_URL" ] && export DATABASE_URL=$PG_URL
[ -n "$RD_URL" ] && export REDIS_URL=$RD_URL
if [ "$MODE" = test ]; then
  : # Jest's global set-up rebuilds the test database from the migrations on every run (test/helpers/global-setup.js)
else
  node -r ts-node/register/transpile-only -r tsconfig-paths/register scripts/prepare-db.ts
fi
[ "${SETUP_QUIET:-}" = 1 ] || log "ready ($MODE): PostgreSQL ${PG_URL:-at 127.0.0.1:5432}, Redis ${RD_URL:-at 127.0.0.1:6379}"
