#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (test/web/), if it is missing. Idempotent: prints
# the browser's path and exits 0 when it is there; exits 1 with the reason when it cannot be installed.
set -euo pipefail
find_browser() { command -v chromium || command -v chromium-browser || true; }
path="$(find_browser)"
if [ -z "$path" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "chromium is missing and cannot be installed here (needs root and apt-get)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 ||
    { apt-get update >/dev/null 2>&1 && apt-get install -y --no-install-recommends chromium >/dev/null 2>&1; } ||
    { echo "apt-get could not install chromium" >&2; exit 1; }
  path="$(find_browser)"
fi
[ -n "$path" ] || { echo "chromium was installed but is not on PATH" >&2; exit 1; }
echo "$path"
