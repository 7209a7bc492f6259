#!/usr/bin/env bash
# Installs from Debian what Consult needs when a machine lacks it. Does nothing when all is there.
#   tests/system-deps.sh           the test suite: PostgreSQL (throwaway clusters), headless
#                                  Chromium (the evidence pack's browser and accessibility tests),
#                                  npm (fetches axe-core, tests/axe), Pango (PDFs) and
#                                  poppler-utils (pdftotext, pdftoppm, pdfinfo, pdffonts read PDFs back)
#   tests/system-deps.sh runtime   running Consult: Pango, which WeasyPrint needs for PDFs
# Waits up to five minutes for another apt/dpkg run to finish instead of failing on its lock.
set -euo pipefail
need=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1.0.so.0' || need+=(libpango-1.0-0)
have_lib 'libpangoft2-1.0.so.0' || need+=(libpangoft2-1.0-0)
fc-list 2>/dev/null | grep -qi 'DejaVu Sans' || need+=(fonts-dejavu-core)
if [ "${1:-test}" != "runtime" ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v pg_virtualenv >/dev/null 2>&1 || need+=(postgresql postgresql-common)
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v npm >/dev/null 2>&1 || need+=(npm)
  command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing from Debian: ${need[*]}" >&2
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
LOCK=(-o DPkg::Lock::Timeout=300)
$SUDO apt-get "${LOCK[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${LOCK[@]}" install -y -qq --no-install-recommends "${need[@]}" >/dev/null
