#!/bin/sh
# System packages the tests need, installed only when missing (Debian / Ubuntu, as root):
# redis-server for the scale-out tests, Node.js and npm for the JavaScript client tests,
# Debian's chromium for Playwright (never `playwright install`), and a CJK font so the pages'
# Chinese text renders in screenshots.
set -eu

need=""
[ -x /usr/bin/chromium ] || need="$need chromium"
command -v redis-server >/dev/null 2>&1 || need="$need redis-server"
command -v npm >/dev/null 2>&1 || need="$need nodejs npm"
if ! command -v fc-list >/dev/null 2>&1 || [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    need="$need fonts-wqy-microhei"
fi
[ -z "$need" ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $need
