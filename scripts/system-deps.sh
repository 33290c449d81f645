#!/bin/sh
# Installs the Debian packages the tests use when they are missing, so `npm test`
# passes on a fresh machine. Needs root (as CI is); prints what it does.
set -eu
need=""
command -v file >/dev/null 2>&1 || need="$need file"
command -v xargs >/dev/null 2>&1 || need="$need findutils"
command -v pgrep >/dev/null 2>&1 || need="$need procps"
if [ -n "$need" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "system-deps: missing Debian packages:$need; install them (as root: apt-get install -y$need) and run again." >&2
    exit 1
  fi
  echo "system-deps: installing$need" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
fi
