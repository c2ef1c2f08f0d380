#!/usr/bin/env bash
# Sustained load (`make load`): see bench/README.md. LOAD_SECONDS=60 LOAD_POSTS=10000
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq wrk
fi
mkdir -p bench/work
exec .venv/bin/python bench/load.py
