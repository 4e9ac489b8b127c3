#!/usr/bin/env bash
# Installs the Debian packages optdesk builds, runs and tests with, only when one is missing.
# Through sudo when not root. Safe to run repeatedly: does nothing when all are present.
set -euo pipefail

PKGS=(build-essential cmake pkg-config clang
      libmicrohttpd-dev libwebsockets-dev libpq-dev libjansson-dev libssl-dev
      postgresql python3 python3-websockets libquantlib0-dev)
PKGS+=(python3-yaml); command -v npm >/dev/null 2>&1 || PKGS+=(nodejs npm)  # API docs: tools/lint-api-docs.sh, test_api_documents.py
PKGS+=(chromium fonts-dejavu-core)  # the dashboard's browser test: tests/integration/test_dashboard.py (playwright-core drives it)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}"
# optdesk runs its own clusters; do not let the package create and start a system one.
$SUDO mkdir -p /etc/postgresql-common
[ -f /etc/postgresql-common/createcluster.conf ] || \
  echo 'create_main_cluster = false' | $SUDO tee /etc/postgresql-common/createcluster.conf >/dev/null
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
