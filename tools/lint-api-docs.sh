#!/usr/bin/env bash
# Lints the API documents: docs/openapi.yaml (Redocly CLI, recommended rules as errors) and
# docs/asyncapi.yaml (Redocly CLI, and @asyncapi/parser: the AsyncAPI schema and ruleset of
# `asyncapi validate`). The linters are pinned in tools/apidocs/package-lock.json and
# installed there with `npm ci` on first use; the install is skipped while
# tools/apidocs/node_modules is present and newer than the lock file, so later runs work
# offline. Needs node (>= 18.17) and npm: tools/install-deps.sh installs Debian's.
# Exit status: 0 when both documents are clean, 1 on any error, 2 when the linters are
# missing and cannot be installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$ROOT/tools/apidocs"
OPENAPI="$ROOT/docs/openapi.yaml"
ASYNCAPI="$ROOT/docs/asyncapi.yaml"

for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "lint-api-docs: $tool is missing (bash tools/install-deps.sh installs nodejs and npm)" >&2
    exit 2
  }
done

# no telemetry, update checks or install scripts: the linters never need the network
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 \
  npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
  npm_config_ignore_scripts=true

# one installer at a time (parallel ctest runs, build and build-asan)
exec 9<"$DIR/package.json"
flock 9
stamp="$DIR/node_modules/.package-lock.json"  # written by npm at the end of an install
if [ ! -f "$stamp" ] || [ "$DIR/package-lock.json" -nt "$stamp" ] || \
   [ ! -x "$DIR/node_modules/.bin/redocly" ]; then
  echo "lint-api-docs: installing the linters (npm ci in tools/apidocs)"
  if ! (cd "$DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error); then
    echo "lint-api-docs: npm ci failed (no network and no tools/apidocs/node_modules?)" >&2
    exit 2
  fi
fi
flock -u 9

cd "$DIR"
echo "lint-api-docs: redocly $(node_modules/.bin/redocly --version), @asyncapi/parser $(node -p "require('./node_modules/@asyncapi/parser/package.json').version"), node $(node --version)"
rc=0
node_modules/.bin/redocly lint --config redocly.yaml --format=stylish "$OPENAPI" "$ASYNCAPI" || rc=1
node lint-asyncapi.mjs "$ASYNCAPI" || rc=1
if [ "$rc" -eq 0 ]; then
  echo "lint-api-docs: docs/openapi.yaml and docs/asyncapi.yaml are clean"
else
  echo "lint-api-docs: errors above" >&2
fi
exit "$rc"
