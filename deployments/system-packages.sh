#!/usr/bin/env bash
# Debian packages the test suite runs for real: headless Chromium (the report is loaded and
# screenshotted) and a PostgreSQL server (the DuckLake catalog). Installed only when missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=sudo
    else
        echo "system-packages: missing ${need[*]} and not root; install them with apt-get" >&2
        exit 0
    fi
else
    SUDO=
fi
echo "system-packages: installing ${need[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
