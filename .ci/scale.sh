#!/usr/bin/env bash
# The balancer for the scale check (`make scale-check`, tests/scale/): Debian's
# haproxy (2.6 on bookworm), and wrk for its numbers. Installs them when missing;
# does nothing when they are there. The check also needs PostgreSQL 15's server
# binaries (the machine's server, which .ci/run starts), redis-server and Varnish
# (.ci/varnish.sh), which .ci/run installs before `make test`.
set -euo pipefail

# /usr/sbin is not on every user's PATH.
PATH="$PATH:/usr/sbin"

if ! command -v haproxy >/dev/null; then
  echo "Installing haproxy (Debian package) for the scale check"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq haproxy
fi

command -v haproxy >/dev/null || { echo "haproxy is not installed."; exit 1; }

# wrk measures the scale check's throughput numbers (bench/run.sh installs it too);
# without it they come from a slower threaded client.
if ! command -v wrk >/dev/null; then
  echo "Installing wrk (Debian package) for the scale check's numbers"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk
fi
# The check starts a haproxy of its own; the packaged service is not needed.
# The shipped file must parse with this haproxy.
haproxy -c -q -f "$(cd "$(dirname "$0")/.." && pwd)/deploy/haproxy.cfg"
echo "haproxy for the scale check: $(haproxy -v | head -n 1)"
