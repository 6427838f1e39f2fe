#!/usr/bin/env bash
# lib.sh: helpers shared by the redis-cluster pod scripts. It is sourced, never run.
#
# Everything that differs between a Kubernetes pod and a test (addresses, names, paths,
# binaries, the name resolver) comes from environment variables. The defaults below are
# the values inside a pod of this chart; the chart README lists the whole contract.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

# ---- environment contract (defaults = values inside a pod) -------------------------------
: "${REDIS_PORT:=6379}"                  # client port (tls-port when REDIS_TLS=yes)
: "${BUS_PORT:=16379}"                   # cluster bus port
: "${DATA_DIR:=/data}"                   # the PersistentVolume: nodes.conf, AOF/RDB, peers.map
: "${CONF_DIR:=/etc/redis-base}"         # base redis.conf from the ConfigMap
: "${RUNTIME_DIR:=/etc/redis-runtime}"   # writable: the effective redis.conf, start-status
: "${SCRATCH_DIR:=/tmp}"                 # scratch files (never on the volume): the pod's /tmp emptyDir
: "${REDIS_SERVER:=redis-server}"
: "${REDIS_CLI:=redis-cli}"
: "${REDIS_PASSWORD:=}"                  # empty: no AUTH
: "${REDIS_USER:=}"                      # auth.acl: the ACL user REDIS_PASSWORD belongs to (empty: default)
: "${REDIS_TLS:=no}"                     # yes: TLS on client port, replication and bus
: "${TLS_DIR:=/tls}"                     # tls.crt, tls.key, ca.crt
: "${TOPOLOGY_DIR:=/etc/redis-topology}"  # the topology ConfigMap: files `shards`, `replicas-per-shard`
: "${HEADLESS_SERVICE:=}"                # stable name = <pod>.<headless service>
: "${POD_IP:=}"
: "${POD_NAME:=$(hostname 2>/dev/null || echo unknown-0)}"
: "${STATEFULSET:=${POD_NAME%-*}}"       # pod names are <statefulset>-<ordinal>
: "${PEERS:=}"                           # explicit stable names; empty: derived (see peer_names)
: "${LOCAL_HOST:=${POD_IP:-127.0.0.1}}"  # where this pod's redis-server answers
: "${CLI_TIMEOUT:=5}"                    # seconds one redis-cli call may take
# shellcheck disable=SC2016  # $1 is expanded by the resolver's own shell, not here
: "${RESOLVE_CMD:=getent hosts \"\$1\" | awk '{print \$1; exit}'}"

# SHARDS and REPLICAS_PER_SHARD: the environment wins (the Jobs, the tests); a pod reads them from
# the topology ConfigMap volume, which is NOT part of the pod template: changing cluster.shards
# changes the StatefulSet's replicas and this ConfigMap only, so scaling restarts no running pod
# (kubelet refreshes the mounted files within a minute or two).
topology_value() { [[ -r "$TOPOLOGY_DIR/$1" ]] && tr -dc '0-9' < "$TOPOLOGY_DIR/$1"; return 0; }
[[ -n "${SHARDS:-}" ]] || SHARDS="$(topology_value shards)"
[[ -n "${REPLICAS_PER_SHARD:-}" ]] || REPLICAS_PER_SHARD="$(topology_value replicas-per-shard)"
: "${SHARDS:=3}"
: "${REPLICAS_PER_SHARD:=1}"

SCRIPT_NAME="${SCRIPT_NAME:-$(basename "${0:-script}" .sh)}"
PEERS_MAP="${DATA_DIR}/peers.map"

# ---- logging -----------------------------------------------------------------------------
# One line per decision, prefixed by the script name, on stderr (kubectl logs shows it; probe
# output lands in the pod's events).
log() { printf '%s %s: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$SCRIPT_NAME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

# ---- temp files: nothing left on the volume ------------------------------------------------
# Scratch files live in SCRATCH_DIR (the pod's /tmp, not the volume). Only the last step of an
# atomic write touches the volume: a sibling "<target>.tmp-<pid>-XXXXXX" that is renamed over the
# target at once. Every temp file is registered, and removed by the EXIT/INT/TERM trap below; a
# run that is SIGKILLed (a probe at its timeout) cannot clean up, so every script first sweeps
# stale temp files: those of a process that no longer exists, and any older than a minute.
TEMP_FILES=()
cleanup_temps() { local f; for f in "${TEMP_FILES[@]}"; do [[ -n "$f" ]] && rm -rf -- "$f"; done; TEMP_FILES=(); return 0; }
trap cleanup_temps EXIT
trap 'cleanup_temps; exit 130' INT
trap 'cleanup_temps; exit 143' TERM

# scratch_file : prints the path of a new private scratch file in SCRATCH_DIR. It runs in a
# command substitution, so the caller registers it: f="$(scratch_file)"; TEMP_FILES+=("$f").
# The name carries this script's pid, so the sweep also removes it after a SIGKILL.
scratch_file() {
  mkdir -p "$SCRATCH_DIR" 2>/dev/null || true
  mktemp "$SCRATCH_DIR/redis-cluster.$SCRIPT_NAME.tmp-$$-XXXXXX"
}

# volume_temp TARGET : a temp sibling of TARGET for an atomic write (mv it over TARGET).
volume_temp() { mktemp "$1.tmp-$$-XXXXXX"; }

# sweep_stale_temps : removes temp files left by killed runs, on the volume and in SCRATCH_DIR:
# "*.tmp-<pid>-XXXXXX" whose process is gone or that are older than a minute, and the names the
# scripts used before (peers.map.XXXXXX, .peers.XXXXXX, .repl.XXXXXX, nodes.conf.XXXXXX) older
# than a minute. Best effort, silent.
sweep_stale_temps() {
  local dir f base pid
  for dir in "$DATA_DIR" "$SCRATCH_DIR" "$RUNTIME_DIR"; do
    [[ -d "$dir" ]] || continue
    for f in "$dir"/*.tmp-[0-9]*-?????? "$dir"/*.tmp-[0-9]*-??????.body; do
      [[ -e "$f" ]] || continue
      base="${f##*/}"; base="${base%.body}"; pid="${base##*.tmp-}"; pid="${pid%-*}"
      if ! is_uint "$pid" || ! kill -0 "$pid" 2>/dev/null || [[ -n "$(find "$f" -maxdepth 0 -mmin +1 2>/dev/null)" ]]; then
        rm -rf -- "$f"
      fi
    done
  done
  find "$DATA_DIR" -maxdepth 1 -type f \( -name 'peers.map.??????' -o -name 'peers.map.??????.body' -o -name 'peers.map.new.??????' \
    -o -name '.peers.??????' -o -name '.repl.??????' -o -name 'nodes.conf.??????' \) -mmin +1 -delete 2>/dev/null || true
}

# ---- safety contract: waiting safely, data loss ------------------------------------------
START_STATUS="$RUNTIME_DIR/start-status"   # "waiting safely: <reason>" while a start script waits
NO_FAILOVER_HOLD="$RUNTIME_DIR/no-failover-until-synced"  # start-node set cluster-replica-no-failover (empty volume); rejoin.sh lifts it
FORCE_START="$DATA_DIR/force-start"        # operator override: stop waiting, take the fallback
DATA_LOSS_LOG="$DATA_DIR/data-loss.log"    # "<UTC time> <reason>" per known data loss

# write_atomic FILE : stdin -> FILE, atomically (temp sibling + rename).
write_atomic() {
  local target="$1" tmp
  tmp="$(volume_temp "$target")" || return 1
  TEMP_FILES+=("$tmp")
  cat > "$tmp" && mv -f "$tmp" "$target"
}

# record_data_loss REASON : logs "DATA LOSS: REASON" and appends "<UTC time> REASON" to data-loss.log.
record_data_loss() {
  log "DATA LOSS: $*"
  printf '%s %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >> "$DATA_LOSS_LOG" || log "could not append to $DATA_LOSS_LOG"
}

# data_loss_warning : the readiness suffix while data-loss.log exists ("" otherwise).
data_loss_warning() {
  [[ -s "$DATA_LOSS_LOG" ]] || return 0
  printf ' WARNING: data loss recorded (%s); remove data-loss.log from the volume to acknowledge' "$(tail -n 1 "$DATA_LOSS_LOG")"
}

is_uint() { [[ "${1:-}" =~ ^[0-9]+$ ]]; }

# ---- redis-cli ---------------------------------------------------------------------------
# cli_conn (auth and TLS arguments of a redis-cli call) and conf_quote: cli-lib.sh, shared with
# the redis-sentinel chart (a link to charts/redis-common/scripts/).
# shellcheck source-path=SCRIPTDIR source=cli-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-lib.sh"

# rcli HOST ARG... : one redis-cli call against HOST:$REDIS_PORT, with auth and TLS when
# configured and a hard timeout. The password goes through REDISCLI_AUTH (not -a), so it
# never appears in the process list. Output is raw (no "(error)" decoration) with \r removed.
# Exit status: redis-cli's (non-zero when it could not connect); error REPLIES exit 0, so
# use rcli_ok when the reply matters.
rcli() {
  local host="$1"; shift
  cli_conn "$REDIS_USER" "$REDIS_PASSWORD"
  env "${CLI_ENV[@]}" timeout "$CLI_TIMEOUT" "$REDIS_CLI" -h "$host" -p "$REDIS_PORT" "${CLI_ARGS[@]}" "$@" 2>&1 | tr -d '\r'
  return "${PIPESTATUS[0]}"
}

# rcli_ok HOST ARG... : like rcli, but also fails on an error reply (ERR, NOAUTH, LOADING, ...).
# The reply is printed either way, so callers can log it.
rcli_ok() {
  local out rc=0
  out="$(rcli "$@")" || rc=$?
  printf '%s\n' "$out"
  [[ $rc -eq 0 ]] || return "$rc"
  if [[ "$out" =~ ^(ERR|NOAUTH|WRONGPASS|NOPERM|LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|MOVED|ASK|TRYAGAIN|READONLY|Could\ not\ connect|Error:|AUTH\ failed) ]]; then
    return 1
  fi
}

# field TEXT KEY : the value of "KEY:value" in INFO / CLUSTER INFO output.
field() { awk -F: -v k="$2" '$1 == k { sub(/^[^:]*:/, ""); print; exit }' <<<"$1"; }

# ---- slot layout ----------------------------------------------------------------------------
# even_layout N : the even split of the 16384 slots over N shards, one "first-last" line per shard
# in shard order; the split of redis-cli --cluster create: shard s ends at round((s+1)*16384/N) - 1.
# The one shell copy: bootstrap.sh and cluster_layout (restore.sh) use it, and
# tests/slot-split.test.ts holds it equal to evenSlotSplit() of the spec package.
even_layout() {
  local n="$1" s first=0 last
  for (( s = 0; s < n; s++ )); do
    last=$(( ((s + 1) * 32768 - n) / (2 * n) ))
    (( s == n - 1 )) && last=16383
    printf '%s-%s\n' "$first" "$last"
    first=$(( last + 1 ))
  done
}

# normalize_ranges FIELD... : slot fields "0-5460 5461" or "0-100,200" -> "0-5461" / "0-100,200-200":
# ranges a-b, sorted, contiguous ones merged, joined by ",". The one form backup.sh (the slot map
# it records) and restore.sh (the layout it checks a set against) compare.
normalize_ranges() {
  local arg f
  for arg in "$@"; do
    for f in ${arg//,/ }; do
      if [[ "$f" == *-* ]]; then printf '%s %s\n' "$(( 10#${f%-*} ))" "$(( 10#${f#*-} ))"; else printf '%s %s\n' "$(( 10#$f ))" "$(( 10#$f ))"; fi
    done
  done | sort -n -k1,1 | awk '
    NR == 1 { a = $1; b = $2; next }
    $1 == b + 1 { b = $2; next }
    { out = out (out ? "," : "") a "-" b; a = $1; b = $2 }
    END { if (NR) { out = out (out ? "," : "") a "-" b }; print out }'
}

# cluster_layout : the layout the bootstrap gives this release, one normalized entry per shard in
# shard order: SLOTS (cluster.slots joined by ";", validated by the chart at render time) or the
# even split over SHARDS.
cluster_layout() {
  local entry
  local -a entries=()
  if [[ -z "$SLOTS" ]]; then even_layout "$SHARDS"; return; fi
  IFS=';' read -ra entries <<<"$SLOTS"
  for entry in "${entries[@]}"; do normalize_ranges "${entry// /}"; done
}

# ---- names and addresses -----------------------------------------------------------------
# stable_name POD : the DNS name that always points at POD's current IP.
stable_name() {
  if [[ -n "$HEADLESS_SERVICE" ]]; then printf '%s.%s\n' "$1" "$HEADLESS_SERVICE"; else printf '%s\n' "$1"; fi
}
self_name() { stable_name "$POD_NAME"; }

cluster_size() { echo $(( SHARDS * (1 + REPLICAS_PER_SHARD) )); }

# The layout is shard-major: pod p belongs to shard p / (1 + REPLICAS_PER_SHARD); the first pod of
# each group of 1 + REPLICAS_PER_SHARD pods is the shard's first master, the others replicate it.
# Adding shards appends whole groups at the highest ordinals, and a StatefulSet scale-in removes
# whole groups from the top, so scaling never moves an existing pod to another shard.
group_size() { echo $(( 1 + REPLICAS_PER_SHARD )); }

# ordinal_of NAME : the ordinal i of a stable name <statefulset>-<i>[.<headless service>], or fails.
ordinal_of() {
  local name="$1" pod
  if [[ -n "$HEADLESS_SERVICE" ]]; then
    [[ "$name" == *".$HEADLESS_SERVICE" ]] || return 1
    pod="${name%".$HEADLESS_SERVICE"}"
  else
    pod="$name"
  fi
  [[ "$pod" == "$STATEFULSET"-* ]] || return 1
  pod="${pod#"$STATEFULSET"-}"
  is_uint "$pod" || return 1
  echo $(( 10#$pod ))
}

# peer_names : every member's stable name (this pod included), one per line, in ordinal order.
# PEERS (space, comma or newline separated) wins; otherwise <statefulset>-0..N-1.<headless>.
peer_names() {
  local i n p
  if [[ -n "$PEERS" ]]; then
    # shellcheck disable=SC2086  # split on whitespace on purpose
    for p in ${PEERS//,/ }; do printf '%s\n' "$p"; done
    return
  fi
  n="$(cluster_size)"
  for (( i = 0; i < n; i++ )); do stable_name "${STATEFULSET}-${i}"; done
}

# resolve NAME : prints NAME's current IP, or fails. RESOLVE_CMD is a shell snippet that gets
# the name as $1; a RESOLVE_CMD without "$1" in it gets the name appended as its last argument.
resolve() {
  local cmd="$RESOLVE_CMD" ip
  # shellcheck disable=SC2016
  [[ "$cmd" == *'$1'* || "$cmd" == *'${1'* ]] || cmd="$cmd \"\$1\""
  ip="$(timeout 5 bash -c "$cmd" resolve "$1" 2>/dev/null | head -n 1 | tr -d '[:space:]')" || true
  [[ "$ip" =~ ^[0-9a-fA-F:.]+$ && "$ip" == *[.:]* ]] || return 1
  printf '%s\n' "$ip"
}

# addr_ip ADDR : the IP part of a nodes.conf / CLUSTER NODES address "ip:port@cport[,host...]"
# (IPv6 safe: the port is after the LAST colon).
addr_ip() { local a="${1%%,*}"; a="${a%@*}"; printf '%s\n' "${a%:*}"; }
# addr_host ADDR : the announced hostname part ("" when none).
addr_host() { local a="$1"; [[ "$a" == *,* ]] || { echo ""; return; }; a="${a#*,}"; printf '%s\n' "${a%%,*}"; }

# ---- the peers map -----------------------------------------------------------------------
# $DATA_DIR/peers.map, on the volume, one line per cluster member: "<stable-name> <node-id> <ip>".
# It is what lets start-node find, for a node ID in nodes.conf, the stable name to resolve
# after every pod came back with a new IP (FACTS "method A"). Redis gossips each node's
# cluster-announce-hostname, but it does not save nodes.conf when only a hostname changes,
# so nodes.conf alone may lack names; the map is refreshed from the running node instead.

# map_name_of ID : the stable name recorded for node ID.
map_name_of() { [[ -f "$PEERS_MAP" ]] && awk -v id="$1" '$2 == id { print $1; exit }' "$PEERS_MAP"; return 0; }

# map_id_of NAME : the node ID recorded for stable name NAME.
map_id_of() { [[ -f "$PEERS_MAP" ]] && awk -v n="$1" '$1 == n { print $2; exit }' "$PEERS_MAP"; return 0; }

# map_merge FILE : merge "name id ip" lines from FILE into the map (a name keeps one entry,
# the newest wins); rewrite atomically, only when the content changes. Prints "changed" or "".
map_merge() {
  local new="$1" body tmp
  body="$(scratch_file)" || return 1
  TEMP_FILES+=("$body")
  {
    [[ -f "$PEERS_MAP" ]] && grep -v '^#' "$PEERS_MAP"
    cat "$new"
  } | awk 'NF == 3 { e[$1] = $0 } END { for (k in e) print e[k] }' | sort > "$body"
  if [[ -f "$PEERS_MAP" ]] && diff -q <(grep -v '^#' "$PEERS_MAP") "$body" >/dev/null 2>&1; then
    rm -f "$body"
    return 0
  fi
  tmp="$(volume_temp "$PEERS_MAP")" || { rm -f "$body"; return 1; }
  TEMP_FILES+=("$tmp")
  { echo "# stable-name node-id ip (written by the redis-cluster scripts; see the chart README)"; cat "$body"; } > "$tmp"
  rm -f "$body"
  mv -f "$tmp" "$PEERS_MAP"
  echo changed
}

# map_refresh_from_nodes NODES_TEXT : record every node whose announced hostname is one of our
# stable names, plus this node itself; for nodes without a hostname, match the fresh
# resolution of the still-unmapped stable names against their addresses.
map_refresh_from_nodes() {
  local nodes="$1" entries name id addr flags ip host
  local -A known_names=() mapped=() by_ip=()
  while read -r name; do known_names["$name"]=1; done < <(peer_names)
  entries="$(scratch_file)" || return 1
  TEMP_FILES+=("$entries")
  while read -r id addr flags _; do
    [[ -n "${id:-}" ]] || continue
    ip="$(addr_ip "$addr")"; host="$(addr_host "$addr")"
    [[ "$flags" == *handshake* ]] && continue
    if [[ "$flags" == *myself* ]]; then
      printf '%s %s %s\n' "$(self_name)" "$id" "${POD_IP:-$ip}" >> "$entries"; mapped["$(self_name)"]=1
    elif [[ -n "$host" && -n "${known_names[$host]:-}" && -n "$ip" ]]; then
      printf '%s %s %s\n' "$host" "$id" "$ip" >> "$entries"; mapped["$host"]=1
    elif [[ -n "$ip" ]]; then
      by_ip["$ip"]="$id"
    fi
  done <<<"$nodes"
  if (( ${#by_ip[@]} > 0 )); then
    for name in "${!known_names[@]}"; do
      [[ -n "${mapped[$name]:-}" ]] && continue
      ip="$(resolve "$name")" || continue
      [[ -n "${by_ip[$ip]:-}" ]] && printf '%s %s %s\n' "$name" "${by_ip[$ip]}" "$ip" >> "$entries"
    done
  fi
  map_merge "$entries"
  rm -f "$entries"
}

# ---- redis-cli --cluster (slot moves) ----------------------------------------------------------
# cluster_tool ARG... : `redis-cli --cluster ARG...` with auth and TLS, every output line logged
# (colours and '#' progress marks dropped), no timeout of its own (the Job's activeDeadlineSeconds
# bounds it). The password goes through REDISCLI_AUTH, which redis-cli also sends with every
# MIGRATE (MIGRATE ... AUTH <password>, or AUTH2 <user> <password> under auth.acl), so keys move
# between password-protected nodes.
cluster_tool() {
  local rc=0 sub="$1"
  cli_conn "$REDIS_USER" "$REDIS_PASSWORD"
  env "${CLI_ENV[@]}" "$REDIS_CLI" "${CLI_ARGS[@]}" --cluster "$@" \
    > >(sed -u -e 's/\x1b\[[0-9;]*m//g' -e 's/#//g' -e 's/\r//g' | while IFS= read -r line; do
          if [[ -n "${line// /}" ]]; then log "  redis-cli --cluster $sub: $line"; fi
        done) 2>&1 || rc=$?
  wait "$!" 2>/dev/null || true  # the log lines are out before the caller logs again
  return "$rc"
}

# cluster_check HOST : `redis-cli --cluster check` output (not logged); fails when it finds a
# problem (nodes that disagree on the slot map, open slots, uncovered slots, unreachable nodes).
cluster_check() {
  local out rc=0
  cli_conn "$REDIS_USER" "$REDIS_PASSWORD"
  out="$(env "${CLI_ENV[@]}" timeout 60 "$REDIS_CLI" "${CLI_ARGS[@]}" --cluster check "$1:$REDIS_PORT" 2>&1)" || rc=$?
  sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\r//g' <<<"$out"
  return "$rc"
}

# settle_slots HOST SECONDS : waits until `redis-cli --cluster check` passes: every node agrees on the
# slot map and no slot is open. A slot left MIGRATING/IMPORTING (a slot move killed halfway) never
# closes by itself: `redis-cli --cluster fix` finishes its move (the keys still in the source move
# to the target, then both agree on the target). Fix runs only when every slot is covered, so it
# never assigns slots by itself.
settle_slots() {
  local host="$1" limit="$2" start=$SECONDS out rc problem
  while :; do
    rc=0; out="$(cluster_check "$host")" || rc=$?
    (( rc == 0 )) && return 0
    problem="$(grep -E '^\[(ERR|WARNING)\]|^\*\*\*|Could not connect' <<<"$out" | head -n 3 | paste -sd ';' -)" || true
    if grep -q 'slots are open' <<<"$out" && ! grep -q 'Not all 16384 slots are covered' <<<"$out"; then
      log "slots: open slot(s) found (a slot move stopped halfway): ${problem}; running redis-cli --cluster fix"
      cluster_tool fix "$host:$REDIS_PORT" --cluster-yes || log "slots: redis-cli --cluster fix exited non-zero; checking again"
    fi
    (( SECONDS - start < limit )) || die "slots: after ${limit}s, redis-cli --cluster check still fails: ${problem:-${out##*$'\n'}}"
    log "slots: waiting for every node to agree on the slot map ($(( SECONDS - start ))s): ${problem:-check failed}"
    sleep 2
  done
}
