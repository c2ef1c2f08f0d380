#!/usr/bin/env bash
# The browser for the end-to-end test (tests/e2e/): Debian's Chromium, which
# Playwright for Python drives through executable_path=/usr/bin/chromium.
# Installs it when missing; does nothing when it is there.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ ! -x "$CHROMIUM" ]; then
  echo "Installing Chromium (Debian package) for the browser test"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium
fi

# The Debian launcher script prints a harmless shell warning on some systems.
version="$("$CHROMIUM" --version 2>/dev/null || true)"
[ -n "$version" ] || { echo "$CHROMIUM does not run."; exit 1; }
echo "Browser for the e2e test: $version"
