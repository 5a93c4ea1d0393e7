#!/usr/bin/env bash
# System packages the store and report tests need: PostgreSQL's server binaries (a
# throwaway cluster per test run), Chromium and its WebDriver (the report page in a
# headless browser) and a CJK font (legible screenshots). apt-get runs only when
# something is missing, so a second run takes no time.
set -euo pipefail
missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
ls /usr/share/fonts/truetype/wqy/wqy-microhei.ttc >/dev/null 2>&1 || missing+=(fonts-wqy-microhei)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "setup: missing system packages (${missing[*]}); install them as root:" >&2
    echo "  apt-get install ${missing[*]}" >&2
    echo "(the database and browser tests are skipped without them)" >&2
    exit 0
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
