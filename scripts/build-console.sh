#!/usr/bin/env bash
# Installs the console's dependencies (web/ is its own package with its own lockfile) and builds it into web/dist
# when the build is missing or older than any of its sources. Called by setup.sh (npm start, npm test, bench, demo)
# and by the browser-test harness. Quiet when the build is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "[setup] $*"; }
if [ ! -d web/node_modules ] || [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  log "installing the console's dependencies (npm ci --prefix web)"
  npm ci --prefix web --no-audit --no-fund --loglevel=error
fi
# The console also compiles code shared with the server (the sealed-bid SDK, the USCC check): see web/vite.config.ts.
SOURCES=(web/src web/index.html web/vite.config.ts web/package-lock.json src/sdk src/common/uscc.ts)
if [ ! -f web/dist/index.html ] || [ -n "$(find "${SOURCES[@]}" -newer web/dist/index.html -print -quit 2>/dev/null)" ]; then
  log "building the console (vite build → web/dist)"
  # NODE_ENV=production whatever the caller's (Jest sets NODE_ENV=test, which Vite would honour: a development
  # build of React and antd, with test-mode ids such as id="test-id" on every Select).
  NODE_ENV=production npm run --prefix web --silent build -- --logLevel warn
fi
