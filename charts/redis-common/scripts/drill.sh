#!/usr/bin/env bash
# drill.sh: the restore drill CronJob's command (backup.drill). Takes the newest complete backup
# set on the backup volume (or DRILL_SET) and proves it restores: every shard file is checked
# against the manifest, loaded into a throwaway redis-server inside the Job pod, and its keys are
# counted. Exits 0 only when every check passed; "no complete set" is a failure too (a drill that
# finds nothing must never pass). redis-cluster and redis-sentinel each link this file into their
# scripts/ (scripts/drill.sh -> ../../redis-common/scripts/drill.sh).
#
# Checks, one log line each ("shard <i> (<file>): <check>: ok|MISMATCH ..."):
#   set      the set exists and is complete (manifest.json), format 1, the mode DRILL_MODE
#            expects; cluster mode: the shards' slot ranges cover 0-16383 exactly once;
#   file     the shard's file is a plain name, present, with the manifest's bytes and sha256;
#   rdb      redis-check-rdb passes; the number of keys it reads equals the manifest's `keys`;
#   load     a throwaway redis-server (127.0.0.1, a free port, --dir the set folder read-only,
#            no persistence: --save '' --appendonly no) loads the file; keys loaded + keys it
#            dropped as expired since the dump equal the keys in the file, and INFO keyspace
#            holds the keys loaded;
#   slots    cluster mode only: the server is started with cluster-enabled yes, so on load it
#            takes every slot it holds keys for (an empty cluster config); CLUSTER COUNTKEYSINSLOT
#            of each such slot gives the keys per slot range of the manifest, and a key in a slot
#            outside the shard's ranges is a mismatch (a swapped or misfiled shard).
# The throwaway server is killed by its PID after each shard and on every exit (trap). A set
# holds RDB files only (backup.sh dumps with `redis-cli --rdb`), so redis-check-aof has nothing
# to check here.
#
# Environment (lib.sh of the chart supplies log, die, is_uint, REDIS_SERVER, REDIS_CLI):
#   BACKUP_DIR          /backup   where the sets are (read-only is enough)
#   DRILL_SET           ""        the set to drill; empty: the newest complete set
#   DRILL_MODE          ""        cluster|sentinel: the mode the set must be of; empty: any
#   DRILL_HOST          127.0.0.1 the address the throwaway server binds (a loopback address)
#   DRILL_LOAD_TIMEOUT  1800      seconds one shard may take to load
#   DRILL_CLI_TIMEOUT   60        seconds one redis-cli call may take (the slot counts of a shard
#                                 are one pipelined call of up to 16384 commands)
#   DRILL_SCRATCH       /tmp      the throwaway server's log and cluster config (never the set)
#   REDIS_CHECK_RDB     redis-check-rdb   required: a drill without it fails
#   REDIS_PASSWORD      ""        the password the throwaway server asks for (empty: none)
set -euo pipefail
# shellcheck disable=SC2034  # SCRIPT_NAME is read by lib.sh's log()
SCRIPT_NAME=drill
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091  # lib.sh: the chart's, next to the link
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f

: "${BACKUP_DIR:=/backup}"
: "${DRILL_SET:=}"
: "${DRILL_MODE:=}"
: "${DRILL_HOST:=127.0.0.1}"
: "${DRILL_LOAD_TIMEOUT:=1800}"
: "${DRILL_CLI_TIMEOUT:=60}"
: "${DRILL_SCRATCH:=/tmp}"
: "${REDIS_CHECK_RDB:=redis-check-rdb}"

STARTED=$SECONDS
SERVER_PID=""
FAILED=()     # one short reason per failed check, for the verdict line
SET_NAME=""

# ---- the throwaway server ---------------------------------------------------------------------
stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local i
  for (( i = 0; i < 50; i++ )); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

on_exit() {
  local rc=$?
  stop_server
  if (( rc != 0 )) && (( ${#FAILED[@]} == 0 )); then
    log "FAILED: the drill of set ${SET_NAME:-?} stopped (exit $rc) after $(( SECONDS - STARTED ))s; the set is NOT proven restorable"
  fi
}
trap on_exit EXIT
trap 'exit 143' TERM INT

# The throwaway server asks for REDIS_PASSWORD (the release's, from its Secret) when one is set:
# nothing in the pod can use the loaded data without it.
scli() {
  if [[ -n "$REDIS_PASSWORD" ]]; then
    REDISCLI_AUTH="$REDIS_PASSWORD" timeout "$DRILL_CLI_TIMEOUT" "$REDIS_CLI" --no-auth-warning -h "$DRILL_HOST" -p "$SERVER_PORT" "$@"
  else
    timeout "$DRILL_CLI_TIMEOUT" "$REDIS_CLI" -h "$DRILL_HOST" -p "$SERVER_PORT" "$@"
  fi
}

# server_conf : the config redis-server reads on stdin (`redis-server -`): the password, so that
# it never shows on a command line.
server_conf() {
  local pw="${REDIS_PASSWORD//\\/\\\\}"
  pw="${pw//\"/\\\"}"
  [[ -z "$REDIS_PASSWORD" ]] || printf 'requirepass "%s"\n' "$pw"
}

# start_server DIR FILE LOG CLUSTER : starts redis-server on DRILL_HOST and a free port with FILE
# of DIR as its RDB, waits until it has loaded it. Sets SERVER_PID and SERVER_PORT. Returns 1 (the
# server's last log lines in LOAD_ERROR) when it exits instead.
start_server() {
  local dir="$1" file="$2" logfile="$3" cluster="$4" try deadline
  local -a args
  LOAD_ERROR=""
  for (( try = 1; try <= 20; try++ )); do
    SERVER_PORT=$(( 20000 + RANDOM % 20000 ))  # the cluster bus (+10000) stays below 65536
    args=(--bind "$DRILL_HOST" --port "$SERVER_PORT" --protected-mode no --daemonize no
      --dir "$dir" --dbfilename "$file" --save '' --appendonly no --logfile "$logfile" --loglevel notice)
    [[ "$cluster" == yes ]] && args+=(--cluster-enabled yes --cluster-config-file "$DRILL_SCRATCH/drill-nodes-$$.conf")
    rm -f "$logfile" "$DRILL_SCRATCH/drill-nodes-$$.conf"
    "$REDIS_SERVER" - "${args[@]}" < <(server_conf) &
    SERVER_PID=$!
    deadline=$(( SECONDS + DRILL_LOAD_TIMEOUT ))
    while :; do
      if ! kill -0 "$SERVER_PID" 2>/dev/null; then
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
        if grep -q 'Address already in use' "$logfile" 2>/dev/null; then continue 2; fi
        LOAD_ERROR="$(grep -v '^$' "$logfile" 2>/dev/null | tail -n 3 | sed -E 's/^[0-9]+:[A-Z] [^*#-]+[*#-] //' | paste -sd ';' -)"
        return 1
      fi
      # loading done, and it is this server that answers (not another process on that port)
      if [[ "$(scli INFO server persistence 2>/dev/null | tr -d '\r' | grep -c -E -x "process_id:$SERVER_PID|loading:0")" == 2 ]]; then return 0; fi
      (( SECONDS < deadline )) || { LOAD_ERROR="still loading after ${DRILL_LOAD_TIMEOUT}s (DRILL_LOAD_TIMEOUT)"; stop_server; return 1; }
      sleep 0.2
    done
  done
  LOAD_ERROR="no free port on $DRILL_HOST after 20 tries"
  return 1
}

# ---- the checks -------------------------------------------------------------------------------
ok() { log "$1: ok${2:+ ($2)}"; }
bad() { log "$1: MISMATCH: $2"; FAILED+=("$1"); }

# expand RANGES : "0-5460,6000" -> one slot number per line.
expand() {
  local r
  for r in ${1//,/ }; do
    if [[ "$r" == *-* ]]; then seq "${r%-*}" "${r#*-}"; else echo "$r"; fi
  done
}

# check_layout : the shards' ranges cover every slot 0..16383 exactly once.
check_layout() {
  local all="" s
  while read -r s; do all+="${all:+,}$s"; done < <(manifest_shards "$MANIFEST" slots)
  local problem
  problem="$(expand "$all" | sort -n | uniq -c | awk '$1 > 1 { d++ } { seen[$2] = 1 } END { for (i = 0; i < 16384; i++) if (!(i in seen)) m++; if (d || m) printf "%d slot(s) in two shards, %d slot(s) in none", d, m }')"
  if [[ -z "$problem" ]]; then ok "set $SET_NAME: slot layout" "$(manifest_shards "$MANIFEST" slots | paste -sd ';' -) covers 0-16383 once"; else bad "set $SET_NAME: slot layout" "$problem"; fi
}

# drill_shard INDEX FILE BYTES SHA KEYS [SLOTS]
drill_shard() {
  local i="$1" file="$2" bytes="$3" sha="$4" keys="$5" slots="${6:-}" who have out read expired logfile loaded dropped held t0=$SECONDS
  who="shard $i ($file${slots:+, slots $slots})"
  if [[ ! "$file" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then bad "$who: file" "the manifest names '$file': not a plain file name"; return 0; fi
  if [[ ! -f "$SET_DIR/$file" ]]; then bad "$who: file" "missing from the set"; return 0; fi
  have="$(stat -c %s "$SET_DIR/$file")"
  if [[ "$have" == "$bytes" ]]; then ok "$who: size" "$bytes bytes"; else bad "$who: size" "$have bytes, the manifest says $bytes"; fi
  have="$(sha256sum "$SET_DIR/$file" | awk '{ print $1 }')"
  if [[ "$have" == "$sha" ]]; then ok "$who: sha256" "$sha"; else bad "$who: sha256" "$have, the manifest says $sha"; fi

  if ! out="$("$REDIS_CHECK_RDB" "$SET_DIR/$file" 2>&1)"; then
    bad "$who: redis-check-rdb" "$(grep -A1 'RDB ERROR DETECTED' <<<"$out" | tail -n 1 | grep . || tail -n 1 <<<"$out"); not loaded"
    return 0
  fi
  read="$(sed -n -E 's/^\[info\] ([0-9]+) keys read$/\1/p' <<<"$out")"
  expired="$(sed -n -E 's/^\[info\] ([0-9]+) already expired$/\1/p' <<<"$out")"
  ok "$who: redis-check-rdb" "RDB looks OK, ${read:-?} keys, ${expired:-0} already expired"
  if [[ "$read" == "$keys" ]]; then ok "$who: keys in the file" "$read, as the manifest says"; else bad "$who: keys in the file" "the file holds ${read:-?} keys, the manifest says $keys"; fi

  logfile="$DRILL_SCRATCH/drill-server-$$.log"
  if ! start_server "$SET_DIR" "$file" "$logfile" "$( [[ -n "$slots" ]] && echo yes || echo no )"; then
    bad "$who: load" "redis-server did not load it: $LOAD_ERROR"
    return 0
  fi
  held="$(scli INFO keyspace | tr -d '\r' | awk -F'[:=,]' '$1 ~ /^db[0-9]+$/ { n += $3 } END { print n + 0 }')"
  loaded="$(sed -n -E 's/.*Done loading RDB, keys loaded: ([0-9]+), keys expired: ([0-9]+)\..*/\1/p' "$logfile" | tail -n 1)"
  dropped="$(sed -n -E 's/.*Done loading RDB, keys loaded: ([0-9]+), keys expired: ([0-9]+)\..*/\2/p' "$logfile" | tail -n 1)"
  if [[ -z "$loaded" ]]; then
    # a redis-server that does not log its counts: the expired keys as redis-check-rdb saw them
    loaded="$held" dropped="${expired:-0}"
  fi
  if [[ "$held" == "$loaded" && $(( loaded + dropped )) == "${read:-x}" ]]; then
    ok "$who: load" "redis-server $SERVER_PORT loaded $loaded keys in $(( SECONDS - t0 ))s, dropped $dropped expired since the dump"
  else
    bad "$who: load" "redis-server holds $held keys, loaded $loaded + dropped $dropped expired, the file holds ${read:-?}"
  fi
  [[ -z "$slots" ]] || check_slots "$who" "$slots" "$held"
  stop_server
}

# check_slots WHO RANGES HELD : the keys per slot range of the loaded shard; none outside RANGES.
check_slots() {
  local who="$1" ranges="$2" held="$3" mine counts report
  # the slots the server took at load: those it holds keys for (fields 9.. of its "myself" line)
  mine="$(scli CLUSTER NODES | tr -d '\r' | awk '$3 ~ /myself/ { for (i = 9; i <= NF; i++) printf "%s%s", (i > 9 ? "," : ""), $i }')"
  counts="$(expand "$mine" | awk '{ print "CLUSTER COUNTKEYSINSLOT " $1 }' | scli | tr -d '\r' | paste -d ' ' <(expand "$mine") -)"
  # one line per manifest range ("<range> <keys>"), then "outside <keys> <slots with keys, up to 5>"
  report="$(awk -v ranges="$ranges" '
    BEGIN { n = split(ranges, r, ","); for (k = 1; k <= n; k++) { split(r[k], b, "-"); lo[k] = b[1]; hi[k] = (b[2] == "" ? b[1] : b[2]); c[k] = 0 } }
    { s = $1 + 0; hit = 0; for (k = 1; k <= n; k++) if (s >= lo[k] && s <= hi[k]) { c[k] += $2; hit = 1; break }
      if (!hit) { out += $2; if (shown++ < 5) list = list (list ? "," : "") s } }
    END { for (k = 1; k <= n; k++) print r[k], c[k]; print "outside", out + 0, list }' <<<"$counts")"
  local range n total=0 outside list
  while read -r range n list; do
    if [[ "$range" == outside ]]; then outside="$n"; continue; fi
    total=$(( total + n ))
    log "$who: slots $range: $n keys"
  done <<<"$report"
  list="$(awk '$1 == "outside" { print $3 }' <<<"$report")"
  if (( outside > 0 )); then
    bad "$who: slots" "$outside key(s) in slots outside $ranges (e.g. slot(s) $list): the file is not this shard's (swapped or misfiled)"
  elif (( total != held )); then
    bad "$who: slots" "the ranges hold $total keys, the server $held"
  else
    ok "$who: slots" "all $total keys in $ranges"
  fi
}

# ---- the run ----------------------------------------------------------------------------------
main() {
  [[ -d "$BACKUP_DIR" ]] || die "backup volume $BACKUP_DIR does not exist (is the backup PVC mounted?)"
  local bin
  for bin in "$REDIS_SERVER" "$REDIS_CLI" "$REDIS_CHECK_RDB"; do
    command -v "$bin" >/dev/null 2>&1 || die "$bin is not on PATH: the drill needs redis-server, redis-cli and redis-check-rdb (the redis image has them)"
  done
  is_uint "$DRILL_LOAD_TIMEOUT" || die "DRILL_LOAD_TIMEOUT='$DRILL_LOAD_TIMEOUT' must be a whole number of seconds"
  [[ -d "$DRILL_SCRATCH" && -w "$DRILL_SCRATCH" ]] || die "scratch dir $DRILL_SCRATCH is not writable"

  local sets
  sets="$(complete_sets | paste -sd ' ' -)"
  if [[ -n "$DRILL_SET" ]]; then
    SET_NAME="$DRILL_SET"
  else
    SET_NAME="${sets##* }"
  fi
  if [[ -z "$SET_NAME" ]]; then
    FAILED+=("no set")
    log "FAILED: no complete backup set on $BACKUP_DIR (a folder named like 20261125T021700Z with a manifest.json): nothing to drill, nothing is proven restorable"
    exit 1
  fi
  SET_DIR="$BACKUP_DIR/$SET_NAME"
  MANIFEST="$SET_DIR/manifest.json"
  if [[ ! -s "$MANIFEST" ]]; then
    FAILED+=("no set")
    log "FAILED: set $SET_NAME is not a complete set on $BACKUP_DIR (no manifest.json); complete sets: ${sets:-none}"
    exit 1
  fi

  local mode format n
  mode="$(manifest_field "$MANIFEST" mode)"
  format="$(manifest_field "$MANIFEST" format)"
  n="$(manifest_shards "$MANIFEST" index | wc -l)"
  log "drilling set $SET_NAME ($mode mode, created $(manifest_field "$MANIFEST" createdAt), $n shard(s); complete sets on the volume: $sets)"
  if [[ "$format" == 1 ]]; then ok "set $SET_NAME: format" "1"; else bad "set $SET_NAME: format" "'$format', this drill reads format 1"; fi
  if [[ -n "$DRILL_MODE" && "$mode" != "$DRILL_MODE" ]]; then bad "set $SET_NAME: mode" "a backup of a ${mode:-unknown}-mode deployment, this release is $DRILL_MODE"; fi
  (( n > 0 )) || bad "set $SET_NAME: shards" "the manifest lists no shard"
  [[ "$mode" != cluster ]] || check_layout

  local index file bytes sha keys slots total=0 line
  local -a shards=()
  if [[ "$mode" == cluster ]]; then
    mapfile -t shards < <(manifest_shards "$MANIFEST" index file bytes sha256 keys slots)
  else
    mapfile -t shards < <(manifest_shards "$MANIFEST" index file bytes sha256 keys)
  fi
  for line in "${shards[@]}"; do
    read -r index file bytes sha keys slots <<<"$line"
    drill_shard "$index" "$file" "$bytes" "$sha" "$keys" "$slots"
    total=$(( total + ${keys:-0} ))
  done

  if (( ${#FAILED[@]} > 0 )); then
    log "FAILED: set $SET_NAME is NOT proven restorable: ${#FAILED[@]} check(s) failed in $(( SECONDS - STARTED ))s: $(joined '; ' "${FAILED[@]}")"
    exit 1
  fi
  log "PASSED: set $SET_NAME restores: $n shard(s), $total keys, every check passed in $(( SECONDS - STARTED ))s"
}

main "$@"
