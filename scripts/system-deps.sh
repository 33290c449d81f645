#!/bin/sh
# Installs the Debian packages the tests use when they are missing, so `npm test`
# passes on a fresh machine. Needs root (as CI is); prints what it does.
# One line per need: a command the tests run, then the Debian package that has it.
set -eu
need=""
while read -r command package; do
  case "$command" in '' | '#'*) continue ;; esac
  # A need is a command on PATH, or (absolute path) a file a data package installs.
  command -v "$command" >/dev/null 2>&1 || [ -e "$command" ] || need="$need $package"
done <<'NEEDS'
file file
xargs findutils
pgrep procps
tshark tshark
redis-server redis-server
yara yara
clamscan clamav
clamd clamav-daemon
/usr/share/clamav-testfiles/clam.exe clamav-testfiles
7z p7zip-full
podman podman
runc runc
bwrap bubblewrap
busybox busybox-static
chromium chromium
dumpcap tshark
tcpreplay tcpreplay
ip iproute2
mmdebstrap mmdebstrap
podman-compose podman-compose
NEEDS
# The test images are a busybox rootfs, which needs the static build: Debian's
# plain busybox package is dynamically linked and would not run in them.
if command -v busybox >/dev/null 2>&1 && ! file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked'; then
  case "$need" in *busybox-static*) ;; *) need="$need busybox-static" ;; esac
fi
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "system-deps: missing Debian packages:$need; install them (as root: apt-get install -y$need) and run again." >&2
    exit 1
  fi
  echo "system-deps: installing$need" >&2
  apt-get update -qq >/dev/null
  # tshark asks whether non-root users may capture; the noninteractive answer (no) is the safe one.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
