#!/usr/bin/env bash
# The real-HTTP benchmark (`make bench`): see bench/README.md.
#   BENCH_POSTS=10000 BENCH_SECONDS=10 BENCH_CASES=list,deep,tagpage,detail,tags,index
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x .venv/bin/python ]]; then
    echo "No .venv: run 'make bench' (it installs the project first)." >&2
    exit 1
fi
if ! command -v wrk >/dev/null; then
    echo "Installing wrk (Debian package)..."
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq wrk
fi

mkdir -p bench/work
# The driver stops its servers itself; this catches a driver that was killed outright.
# Only a gunicorn whose pid file the driver wrote is ever signalled.
stop_leftover_servers() {
    local pidfile pid
    for pidfile in bench/work/*.pid; do
        [[ -f $pidfile ]] || continue
        pid=$(<"$pidfile")
        if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q gunicorn; then
            kill -TERM "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
}
driver_pid=""
cleanup() {
    if [[ -n $driver_pid ]] && kill -0 "$driver_pid" 2>/dev/null; then
        kill -TERM "$driver_pid" 2>/dev/null || true  # it stops its servers itself
        wait "$driver_pid" 2>/dev/null || true
    fi
    stop_leftover_servers
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# In the background so that a signal to this script is handled at once.
.venv/bin/python bench/driver.py &
driver_pid=$!
wait "$driver_pid"
driver_pid=""

# Webhook delivery latency, ordering and exactly-once (bench/results/webhooks.md).
if [[ ${BENCH_WEBHOOKS:-true} != false ]]; then
    .venv/bin/python bench/webhooks.py
fi

# The sitemaps of 100,000 posts: render time, size, URL count (bench/results/sitemap.md).
if [[ ${BENCH_SITEMAP:-true} != false ]]; then
    .venv/bin/python bench/sitemap.py
fi

# Image uploads and renditions (bench/results/images.md).
if [[ ${BENCH_IMAGES:-true} != false ]]; then
    .venv/bin/python bench/images.py
fi
