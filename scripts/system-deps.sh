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
/usr/share/clamav-testfiles/clam.exe clamav-testfiles
7z p7zip-full
podman podman
runc runc
bwrap bubblewrap
busybox busybox-static
chromium chromium
NEEDS
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
