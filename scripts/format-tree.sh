#!/usr/bin/env bash
# The mechanical whole-tree rewrite of issue #18, in the order it must run: ESLint's automatic fixes first (type-only
# imports become `import type` / inline `type`), then Prettier (which re-lays out what ESLint rewrote). Run it once on
# a merged tree, check, commit the result alone. It changes no behaviour: only imports that are erased anyway and
# layout. Afterwards `npm run lint && npm run format:check` pass.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"
eslint . --fix
prettier --write . > /dev/null
echo "format-tree: done; now run npm run lint && npm run format:check && npm run typecheck && (cd web && npx tsc --noEmit)"
