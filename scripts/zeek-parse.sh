#!/bin/sh
# `zeek --parse-only` on the shipped Zeek scripts and the intel-feedback
# snippet. Not in `npm test`: no Zeek package exists for the test machines,
# and a test that skips itself proves nothing. Run it where Zeek is.
set -eu
cd "$(dirname "$0")/.."
ZEEK="${BROAPT_ZEEK:-$(command -v zeek || true)}"
if [ -z "$ZEEK" ]; then
  echo "zeek-parse: no zeek on PATH and BROAPT_ZEEK unset: install Zeek (zeek.org) or point BROAPT_ZEEK at it." >&2
  exit 2
fi
for script in zeek/broapt zeek/broapt/intel-feedback.zeek; do
  "$ZEEK" --parse-only "$script"
  echo "zeek-parse: $script parses"
done
