#!/bin/sh
# The cluster deployment built and run for real (npm run test:compose): the
# images from docker/build-local.sh, docker-compose.yml under podman-compose
# with redis, the core (on tshark), 3 app workers and the daemon; the fixture
# captures dropped in the pcaps volume; one app container killed mid-run.
# Checks that every capture is processed, that every extracted file has exactly
# one record in the logs volume and on the results stream, that the daemon
# answers /healthz and counts the files in /metrics, that every healthcheck
# passes, and that `down -v` leaves nothing. Prints the figures last; exit 1
# when a check fails.
set -eu
cd "$(dirname "$0")/.."
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/docker/containers-local.conf}"
FIXTURES="${BROAPT_FIXTURES:-../shared/fixtures}"
NODE="$PWD/node_modules/.bin/node"
if [ ! -d "$FIXTURES/pcaps" ]; then
  # As the vitest suites do: without the fixtures a developer's run goes on, CI's fails.
  echo "compose-smoke: no captures in $FIXTURES/pcaps; set BROAPT_FIXTURES or check out ../shared/fixtures." >&2
  [ "${CI:-}" = true ] && exit 2
  echo "compose-smoke: not run (CI is not set)." >&2
  exit 0
fi
command -v podman-compose >/dev/null || { echo "compose-smoke: podman-compose is missing; apt-get install -y podman-compose." >&2; exit 2; }

say() { echo "compose-smoke: $*" >&2; }
fail() { say "FAIL: $*"; failed=1; }
failed=0

# The images; build-local.sh prints the variables docker-compose.yml reads.
eval "$(sh docker/build-local.sh)"
export BROAPT_REDIS_IMAGE BROAPT_APPS_IMAGE BROAPT_CORE_IMAGE
export BROAPT_ENGINE=tshark BROAPT_APP_REPLICAS=3 BROAPT_LOG_LEVEL=info
BROAPT_DAEMON_TOKEN="smoke-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
DAEMON_PUBLISH_PORT=$("$NODE" -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
export BROAPT_DAEMON_TOKEN DAEMON_PUBLISH_PORT

PROJECT="broapt-smoke-$$"
# podman-compose's own output goes to a log, shown when a step fails.
compose() {
  podman-compose --no-ansi -p "$PROJECT" -f docker-compose.yml "$@" >>"$log" 2>&1 && return
  say "podman-compose $* failed:"; grep -v "^\['podman'" "$log" | tail -20 >&2; return 1
}
log=$(mktemp)
ctr() { podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}' | grep "_$1_" | head -"${2:-1}" | tail -1; }
volume() { podman volume inspect --format '{{.Mountpoint}}' "${PROJECT}_$1"; }
cleanup() {
  compose down -v || true
  # podman-compose 1.0 leaves the project's network.
  podman network rm "${PROJECT}_default" >/dev/null 2>&1 || true
  left=$(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" -q | wc -l)
  vols=$(podman volume ls -q | grep -c "^${PROJECT}_" || true)
  nets=$(podman network ls -q --filter "name=^${PROJECT}" | wc -l)
  echo "down -v: $left containers, $vols volumes, $nets networks left"
  [ "$left$vols$nets" = 000 ] || echo "compose-smoke: FAIL: down -v left something" >&2
  rm -f "$log" "$log.files" "$log.stream"
}
trap cleanup EXIT
# sh runs the EXIT trap on exit only: make a stop signal an exit.
trap 'exit 1' INT TERM

healthy() { for _ in $(seq "$2"); do podman healthcheck run "$1" >/dev/null 2>&1 && return; sleep 2; done; return 1; }

started=$(date +%s)
# podman-compose does not wait for depends_on's service_healthy: start Redis
# first and wait for its own healthcheck, as docker compose would.
compose up -d redis
healthy "$(ctr redis)" 60 || { fail "redis is not healthy"; exit 1; }
compose up -d core app daemon
services=$(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}')
# Every service healthy before the captures arrive; one that cannot start says why.
for name in $services; do
  healthy "$name" 90 || { fail "$name is not healthy; its log ends:"; podman logs --tail 15 "$name" >&2; exit 1; }
done
say "up and healthy: $(echo $services)"

# Every capture, copied into the pcaps volume: watch-pcaps takes each once it has settled.
pcaps=$(volume pcaps)
logs=$(volume logs)
dump=$(volume extract_files)
cp -r "$FIXTURES/pcaps/." "$pcaps/"
expected=$(find "$pcaps" -type f \( -name '*.pcap' -o -name '*.pcapng' \) | wc -l)
say "$expected captures dropped in the pcaps volume"

# One app worker killed while it holds files (delivered, not yet acknowledged):
# another must take them over. Its consumers are named after its hostname.
victim=$(ctr app 2)
host=$(podman inspect --format '{{.Config.Hostname}}' "$victim")
held() {
  podman exec "$(ctr app)" broapt status --json 2>/dev/null |
    "$NODE" -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const q = JSON.parse(s || "{}"); console.log((q.consumers ?? []).filter((c) => c.name.startsWith(process.argv[1] + "-")).reduce((n, c) => n + c.pending, 0)); })' "$host"
}
for _ in $(seq 120); do held=$(held) && [ "${held:-0}" -gt 0 ] && break; sleep 0.5; done
podman kill --signal KILL "$victim" >/dev/null
killed_at=$(($(date +%s) - started))
say "killed $victim (SIGKILL) $killed_at s in, holding ${held:-0} files"

processed() { [ -f "$logs/processed_pcaps.log" ] && wc -l <"$logs/processed_pcaps.log" || echo 0; }
for _ in $(seq 600); do [ "$(processed)" -ge "$expected" ] && break; sleep 1; done
[ "$(processed)" -ge "$expected" ] || fail "only $(processed) of $expected captures in processed_pcaps.log"

files() { find "$dump" -type f | wc -l; }
# The results stream holds one record per finished file, archive members included.
stream_length() { podman exec "$(ctr redis)" redis-cli XLEN broapt:results 2>/dev/null || echo 0; }
# Then until the queue is empty, nothing is running (the killed worker's files
# taken over) and the stream has a record per file, or 5 minutes.
idle() {
  podman exec "$(ctr app)" broapt status --json 2>/dev/null |
    "$NODE" -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { const q = JSON.parse(s || "{}"); process.exit(q.waiting === 0 && q.pending === 0 ? 0 : 1); })'
}
for _ in $(seq 150); do idle && [ "$(stream_length)" -ge "$(files)" ] && break; sleep 2; done
seconds=$(($(date +%s) - started))

# Files and records compared by path: the duplicates and the lost.
find "$dump" -type f >"$log.files"
# tail exits once it has read the whole stream.
timeout 60 podman exec "$(ctr app)" broapt tail --from-start --count "$(stream_length)" >"$log.stream" 2>/dev/null || true
# Each extracted file must have one record in every records file of the logs
# volume and one on the stream; the records of archive members (paths inside an
# archive, not in the dump folder) are counted apart.
figures=$("$NODE" - "$log.files" "$log.stream" "$dump" "$logs"/reports.jsonl "$logs"/processed.jsonl <<'EOF'
const fs = require('node:fs');
const [filesList, streamFile, dump, ...recordFiles] = process.argv.slice(2);
// Inside the containers the dump folder is /srv/broapt/extract_files.
const inside = (p) => '/srv/broapt/extract_files' + p.slice(dump.length);
const files = new Set(fs.readFileSync(filesList, 'utf8').split('\n').filter(Boolean).map(inside));
const count = (file) => {
  const seen = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const p = JSON.parse(line).path;
    seen.set(p, (seen.get(p) ?? 0) + 1);
  }
  return seen;
};
const logs = recordFiles.filter((file) => fs.existsSync(file)).map(count);
const stream = count(streamFile);
const all = [...logs, stream];
const duplicates = [...files].filter((f) => all.some((seen) => (seen.get(f) ?? 0) > 1)).length;
const lost = [...files].filter((f) => all.some((seen) => !seen.has(f))).length;
const ofFiles = (seen) => [...seen].filter(([p]) => files.has(p)).reduce((sum, [, n]) => sum + n, 0);
const members = [...(logs[0] ?? new Map())].filter(([p]) => !files.has(p)).reduce((sum, [, n]) => sum + n, 0);
console.log(files.size, logs.length === 0 ? 0 : ofFiles(logs[0]), members, ofFiles(stream), duplicates, logs.length === 0 ? files.size : lost);
EOF
)
set -- $figures
nfiles=$1 nrecords=$2 nmembers=$3 nstream=$4 duplicates=$5 lost=$6
captures="$(processed) of $expected"
[ "$nfiles" -gt 0 ] || fail "no file was extracted"
[ "$duplicates" = 0 ] || fail "$duplicates files have more than one record"
[ "$lost" = 0 ] || fail "$lost files have no record in the logs volume or on the results stream"

# The daemon: /healthz, and /metrics counting the files the workers finished.
base="http://127.0.0.1:$DAEMON_PUBLISH_PORT"
health=$(curl -fsS "$base/healthz" || echo unreachable)
metric=$(curl -fsS -H "Authorization: Bearer $BROAPT_DAEMON_TOKEN" "$base/metrics" | awk '/^broapt_files_processed_total/ { n += $NF } END { print n + 0 }')
[ "$health" = '{"status":"ok"}' ] || fail "daemon /healthz answered $health"
[ "$metric" -ge "$nfiles" ] || fail "daemon /metrics counts $metric files processed, expected $nfiles"

# Every healthcheck, run now (podman runs them on a timer only under systemd).
passed=0 sick=""
# A check that times out on this busy machine is tried again, up to 10 times.
for name in $(podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
  if healthy "$name" 10; then passed=$((passed + 1)); else sick="$sick $name"; fi
done
[ -z "$sick" ] || fail "unhealthy:$sick"
restarted=$(podman inspect --format '{{.RestartCount}}' "$victim" 2>/dev/null || echo gone)
trap - EXIT
down=$(cleanup)
case "$down" in *": 0 containers, 0 volumes, 0 networks left") ;; *) failed=1 ;; esac

echo "daemon: /healthz $health, /metrics broapt_files_processed_total $metric"
echo "healthchecks: $passed healthy${sick:+, unhealthy:$sick}"
echo "killed: $victim (SIGKILL) at $killed_at s, holding ${held:-0} files (restarts since: $restarted)"
echo "captures: $captures processed"
echo "files: $nfiles extracted; records of them: $nrecords in reports.jsonl (and $nmembers of archive members), $nstream on the results stream"
echo "$down"
echo "seconds: $seconds, duplicates: $duplicates, lost: $lost"
exit "$failed"
