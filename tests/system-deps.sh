#!/usr/bin/env bash
# Installs what the test suite needs from Debian when a machine lacks it:
# PostgreSQL (throwaway clusters) and headless Chromium (the evidence pack's
# browser test). Does nothing when both are there.
set -euo pipefail
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v pg_virtualenv >/dev/null 2>&1 || need+=(postgresql postgresql-common)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing for the tests: ${need[*]}" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
