#!/bin/sh
# Installs what the browser test of examples/webapp (e2e_test.go) needs:
# the pinned playwright-core (package-lock.json) and, when /usr/bin/chromium
# is missing, Debian's chromium package (apt-get; as root, or with sudo).
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
if [ ! -x /usr/bin/chromium ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium
fi
