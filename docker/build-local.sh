#!/bin/sh
# Builds broapt's images with podman from local material only, for a machine
# that reaches Debian's packages but no container registry (docs/deployment.md):
#   localhost/broapt-debian  Debian (mmdebstrap of BROAPT_DEBIAN_SUITE), imported
#   localhost/broapt-node    that plus Node 24 from node_modules/node
#   localhost/broapt-deps    that plus the production node_modules of this tree
#   localhost/broapt-redis   Debian's redis-server, for the compose file's redis
#   localhost/broapt-apps, localhost/broapt-core   docker/Dockerfile's targets,
#                            built FROM the images above (the core runs tshark)
# Every tag is a hash of what went into the image: an image whose inputs did not
# change is not built again. Prints one `NAME=TAG` line per image last, the
# variables docker-compose.yml reads (eval them, or see scripts/compose-smoke.sh).
set -eu
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/containers-local.conf}"
SUITE="${BROAPT_DEBIAN_SUITE:-bookworm}"
# The apt sources this machine uses, pasted into the image: the same mirror it reaches.
SOURCES="${BROAPT_DEBIAN_SOURCES:-/etc/apt/sources.list.d/debian.sources}"
NODE=node_modules/node/bin/node
RECIPE=1

say() { echo "build-local: $*" >&2; }
hash_of() { sha256sum | cut -c1-16; }
have() { podman image exists "$1"; }
# One file's or one folder tree's contents, in a stable order.
digest() { find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; }

for tool in podman mmdebstrap; do
  command -v "$tool" >/dev/null || { echo "build-local: $tool is missing; install it (apt-get install -y podman runc mmdebstrap) and run again." >&2; exit 2; }
done
[ -x "$NODE" ] || { echo "build-local: $NODE is missing; run npm ci in this tree first (the node package ships Node 24)." >&2; exit 2; }
[ -r "$SOURCES" ] || { echo "build-local: no apt sources at $SOURCES; set BROAPT_DEBIAN_SOURCES to a sources file or a mirror URL." >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An image from a Containerfile given on standard input and a context folder.
build() { # TAG CONTEXT [podman build options]
  tag=$1 context=$2
  shift 2
  podman build --quiet --label broapt.local=1 -t "$tag" -f - "$@" "$context" >/dev/null
}

started=$(date +%s)
debian="localhost/broapt-debian:$( { echo "$RECIPE $SUITE minbase ca-certificates"; [ -f "$SOURCES" ] && cat "$SOURCES" || echo "$SOURCES"; } | hash_of)"
if have "$debian"; then say "$debian (cached)"; else
  say "$debian: mmdebstrap $SUITE from $SOURCES (a few minutes)"
  mmdebstrap --quiet --variant=minbase --include=ca-certificates "$SUITE" "$work/rootfs.tar" "$SOURCES"
  podman import --quiet --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$work/rootfs.tar" "$debian" >/dev/null
  rm -f "$work/rootfs.tar"
fi

node="localhost/broapt-node:$( { echo "$debian"; sha256sum < "$NODE"; } | hash_of)"
if have "$node"; then say "$node (cached)"; else
  say "$node: Node $("$NODE" --version) from $NODE"
  mkdir "$work/node" && cp "$NODE" "$work/node/node"
  printf 'FROM %s\nCOPY node /usr/local/bin/node\n' "$debian" | build "$node" "$work/node"
fi

# The production dependencies of this tree: a copy of node_modules without the dev ones (offline).
deps="localhost/broapt-deps:$( { echo "$node"; cat package-lock.json node_modules/.package-lock.json; } | hash_of)"
if have "$deps"; then say "$deps (cached)"; else
  say "$deps: production node_modules"
  mkdir "$work/deps" && cp package.json package-lock.json "$work/deps/" && cp -a node_modules/. "$work/deps/node_modules"
  (cd "$work/deps" && npm prune --omit=dev --offline --no-audit --no-fund --silent)
  printf 'FROM %s\nCOPY node_modules /opt/broapt/node_modules\n' "$node" | build "$deps" "$work/deps"
  rm -rf "$work/deps"
fi

redis="localhost/broapt-redis:$(echo "$RECIPE $debian redis-server" | hash_of)"
if have "$redis"; then say "$redis (cached)"; else
  say "$redis: Debian's redis-server"
  printf 'FROM %s\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server && rm -rf /var/lib/apt/lists/*\n' "$debian" | build "$redis" "$work"
fi

# The project's files the Dockerfile copies, and the Dockerfile itself.
tree=$( { echo "$node $deps $debian"; digest docker/Dockerfile package.json package-lock.json bin source apps cluster bundled zeek; } | hash_of)
for target in apps core; do
  image="localhost/broapt-$target:$tree"
  if have "$image"; then say "$image (cached)"; continue; fi
  say "$image: docker/Dockerfile --target $target"
  podman build --quiet --label broapt.local=1 -t "$image" -f docker/Dockerfile --target "$target" \
    --build-arg BASE="$node" --build-arg DEPS="$deps" --build-arg CORE_BASE="$debian" . >/dev/null
done
say "done in $(($(date +%s) - started)) s"
echo "BROAPT_REDIS_IMAGE=$redis"
echo "BROAPT_APPS_IMAGE=localhost/broapt-apps:$tree"
echo "BROAPT_CORE_IMAGE=localhost/broapt-core:$tree"
