#!/usr/bin/env bash
# The cache in front of the app for the Varnish tests (tests/deploy/): Debian's
# varnish and varnish-modules (vmod_xkey, the surrogate-key purging
# deploy/varnish.vcl imports). Installs them when either is missing; does nothing
# when both are there.
set -euo pipefail

# /usr/sbin is not on every user's PATH.
PATH="$PATH:/usr/sbin"

has_xkey() {
  compgen -G "/usr/lib/*/varnish/vmods/libvmod_xkey.so" >/dev/null ||
    [ -e /usr/lib/varnish/vmods/libvmod_xkey.so ]
}

if ! command -v varnishd >/dev/null || ! has_xkey; then
  echo "Installing varnish and varnish-modules (Debian packages) for the Varnish tests"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq varnish varnish-modules
fi

command -v varnishd >/dev/null || { echo "varnishd is not installed."; exit 1; }
has_xkey || { echo "vmod_xkey (varnish-modules) is not installed."; exit 1; }
# The tests start a varnishd of their own; the packaged service is not needed
# (on a host with systemd, `systemctl disable --now varnish` frees port 6081).
version="$(varnishd -V 2>&1 | head -n 1)"
# The shipped VCL must compile against this Varnish and vmod (VCL is C underneath:
# this also checks the C compiler varnishd needs is there). `-j none`: as root the
# default jail compiles as the `vcache` user, which cannot write in a mktemp dir.
workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT
varnishd -C -j none -n "$workdir/work" -f "$(cd "$(dirname "$0")/.." && pwd)/deploy/varnish.vcl" \
  >/dev/null 2>"$workdir/vcc.log" || { cat "$workdir/vcc.log"; exit 1; }
echo "Varnish for the cache tests: $version, vmod_xkey $(dpkg-query -W -f='${Version}' varnish-modules 2>/dev/null || echo '(not from a package)')"
