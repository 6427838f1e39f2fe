#!/usr/bin/env bash
# lib.sh: helpers shared by the redis-sentinel pod scripts. It is sourced, never run.
#
# Everything that differs between a Kubernetes pod and a test (addresses, names, paths,
# binaries, the name resolver) comes from environment variables. The defaults below are the
# values inside a pod of this chart; the chart README lists the whole contract.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

# ---- environment contract (defaults = values inside a pod) -------------------------------
: "${REDIS_PORT:=6379}"                  # Redis client port (tls-port when REDIS_TLS=yes)
: "${SENTINEL_PORT:=26379}"              # Sentinel port (tls-port when REDIS_TLS=yes)
: "${DATA_DIR:=/data}"                   # the Redis pod's volume: AOF/RDB, pod-address
: "${CONF_DIR:=/etc/redis-base}"         # base redis.conf and sentinel.conf from the ConfigMap
: "${RUNTIME_DIR:=/etc/redis-runtime}"   # writable: the effective redis.conf / sentinel.conf
: "${TLS_DIR:=/tls}"                     # tls.crt, tls.key, ca.crt
: "${REDIS_SERVER:=redis-server}"
: "${REDIS_SENTINEL:=redis-sentinel}"
: "${REDIS_CLI:=redis-cli}"
: "${REDIS_PASSWORD:=}"                  # empty: Redis without AUTH
: "${REDIS_USER:=}"                      # auth.acl: the ACL user REDIS_PASSWORD belongs to (empty: default)
: "${SENTINEL_PASSWORD:=}"               # empty: Sentinels without AUTH
: "${REDIS_TLS:=no}"                     # yes: TLS on Redis, replication and Sentinel
: "${POD_IP:=}"
: "${POD_NAME:=$(hostname 2>/dev/null || echo unknown-0)}"
: "${HEADLESS_SERVICE:=}"                # Redis pod stable name = <pod>.<HEADLESS_SERVICE>
: "${REDIS_STATEFULSET:=}"               # Redis pods are <REDIS_STATEFULSET>-<i>
: "${REDIS_NODES:=3}"                    # 1 master + replicas
: "${REDIS_HOSTS:=}"                     # stable names of the Redis pods; empty: derived
: "${SENTINEL_HEADLESS_SERVICE:=}"       # Sentinel pod stable name = <pod>.<SENTINEL_HEADLESS_SERVICE>
: "${SENTINEL_STATEFULSET:=}"            # Sentinel pods are <SENTINEL_STATEFULSET>-<i>
: "${SENTINEL_COUNT:=3}"
: "${SENTINEL_HOSTS:=}"                  # stable names of the Sentinels; empty: derived
: "${MASTER_SET:=mymaster}"              # the Sentinel master set name clients ask for
: "${QUORUM:=2}"
: "${DOWN_AFTER_MS:=5000}"
: "${FAILOVER_TIMEOUT:=60000}"
: "${PARALLEL_SYNCS:=1}"
: "${ANNOUNCE_HOSTNAMES:=no}"            # yes: announce stable names instead of pod IPs
: "${CLI_TIMEOUT:=3}"                    # seconds one redis-cli call may take
: "${LOCAL_HOST:=${POD_IP:-127.0.0.1}}"  # where this pod's own server answers
# shellcheck disable=SC2016  # $1 is expanded by the resolver's own shell, not here
: "${RESOLVE_CMD:=getent hosts \"\$1\" | awk '{print \$1; exit}'}"

SCRIPT_NAME="${SCRIPT_NAME:-$(basename "${0:-script}" .sh)}"

# ---- logging -----------------------------------------------------------------------------
# One line per decision, prefixed by a UTC timestamp and the script name, on stderr (kubectl
# logs shows it; probe output lands in the pod's events).
log() { printf '%s %s: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$SCRIPT_NAME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

is_uint() { [[ "${1:-}" =~ ^[0-9]+$ ]]; }
is_ip() { [[ "${1:-}" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || "${1:-}" == *:*:* ]]; }
yes_() { [[ "${1:-}" == yes || "${1:-}" == true || "${1:-}" == 1 ]]; }

# ---- redis-cli ---------------------------------------------------------------------------
# cli_conn (auth and TLS arguments of a redis-cli call) and conf_quote: cli-lib.sh, shared with
# the redis-cluster chart (a link to charts/redis-common/scripts/).
# shellcheck source-path=SCRIPTDIR source=cli-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/cli-lib.sh"

# cli USER PASSWORD TIMEOUT HOST PORT ARG... : one redis-cli call with auth and TLS when
# configured and a hard timeout. A USER (an ACL user; empty: the default user) makes it
# AUTH <user> <password>. The password goes through REDISCLI_AUTH (not -a), so it never appears
# in the process list. Output is raw (no "(error)" decoration) with \r removed. Exit status is
# redis-cli's (non-zero when it could not connect); error REPLIES exit 0.
cli() {
  local user="$1" pass="$2" secs="$3" host="$4" port="$5"; shift 5
  cli_conn "$user" "$pass"
  env "${CLI_ENV[@]}" timeout "$secs" "$REDIS_CLI" --no-auth-warning -h "$host" -p "$port" "${CLI_ARGS[@]}" "$@" 2>&1 | tr -d '\r'
  return "${PIPESTATUS[0]}"
}
# rcli HOST ARG... : a Redis pod (as REDIS_USER: the pod's ACL user, empty without auth.acl).
# scli HOST ARG... : a Sentinel (its own password, the default user). CLI_TIMEOUT bounds each call.
rcli() { local h="$1"; shift; cli "${REDIS_USER:-}" "$REDIS_PASSWORD" "$CLI_TIMEOUT" "$h" "$REDIS_PORT" "$@"; }
scli() { local h="$1"; shift; cli "" "$SENTINEL_PASSWORD" "$CLI_TIMEOUT" "$h" "$SENTINEL_PORT" "$@"; }

# is_error_reply TEXT : true for replies that are errors (or connection failures).
is_error_reply() {
  [[ "$1" =~ ^(ERR|NOAUTH|WRONGPASS|NOPERM|LOADING|BUSY|MASTERDOWN|READONLY|NOREPLICAS|NOGOODSLAVE|INPROG|IDONTKNOW|Could\ not\ connect|Error:|AUTH\ failed) ]]
}

# field TEXT KEY : the value of "KEY:value" in INFO output.
field() { awk -F: -v k="$2" '$1 == k { sub(/^[^:]*:/, ""); print; exit }' <<<"$1"; }

# kv TEXT KEY : the value after line KEY in a flat "key\nvalue\n..." reply (SENTINEL MASTER).
kv() { awk -v k="$2" 'NR % 2 == 1 && $0 == k { getline v; print v; exit }' <<<"$1"; }

# ---- names and addresses -----------------------------------------------------------------
redis_stable_name() { if [[ -n "$HEADLESS_SERVICE" ]]; then printf '%s.%s\n' "$1" "$HEADLESS_SERVICE"; else printf '%s\n' "$1"; fi; }
sentinel_stable_name() { if [[ -n "$SENTINEL_HEADLESS_SERVICE" ]]; then printf '%s.%s\n' "$1" "$SENTINEL_HEADLESS_SERVICE"; else printf '%s\n' "$1"; fi; }

# split_list TEXT : a space, comma or newline separated list, one item per line.
split_list() {
  local p
  # shellcheck disable=SC2086  # split on whitespace on purpose
  for p in ${1//,/ }; do printf '%s\n' "$p"; done
}

# redis_hosts / sentinel_hosts : every member's stable name, in ordinal order. REDIS_HOSTS /
# SENTINEL_HOSTS win; otherwise <statefulset>-0..N-1.<headless>.
redis_hosts() {
  local i
  if [[ -n "$REDIS_HOSTS" ]]; then split_list "$REDIS_HOSTS"; return; fi
  [[ -n "$REDIS_STATEFULSET" ]] || { log "neither REDIS_HOSTS nor REDIS_STATEFULSET is set: cannot name the Redis pods"; return 1; }
  for (( i = 0; i < REDIS_NODES; i++ )); do redis_stable_name "${REDIS_STATEFULSET}-${i}"; done
}
sentinel_hosts() {
  local i
  if [[ -n "$SENTINEL_HOSTS" ]]; then split_list "$SENTINEL_HOSTS"; return; fi
  [[ -n "$SENTINEL_STATEFULSET" ]] || { log "neither SENTINEL_HOSTS nor SENTINEL_STATEFULSET is set: cannot name the Sentinels"; return 1; }
  for (( i = 0; i < SENTINEL_COUNT; i++ )); do sentinel_stable_name "${SENTINEL_STATEFULSET}-${i}"; done
}

# resolve NAME : prints NAME's current IP, or fails. An IP is printed as is. RESOLVE_CMD is a
# shell snippet that gets the name as $1; a RESOLVE_CMD without "$1" in it gets the name
# appended as its last argument.
resolve() {
  local cmd="$RESOLVE_CMD" ip
  if is_ip "$1"; then printf '%s\n' "$1"; return 0; fi
  # shellcheck disable=SC2016
  [[ "$cmd" == *'$1'* || "$cmd" == *'${1'* ]] || cmd="$cmd \"\$1\""
  ip="$(timeout 5 bash -c "$cmd" resolve "$1" 2>/dev/null | sed -n 1p | tr -d '[:space:]')" || true
  is_ip "$ip" || return 1
  printf '%s\n' "$ip"
}

# ordinal_of NAME : the StatefulSet ordinal of a pod or stable name (redis-node-2.x.svc -> 2).
ordinal_of() { local n="${1%%.*}"; n="${n##*-}"; is_uint "$n" && printf '%s\n' "$n"; }

# short NAME : the pod part of a stable name, for log lines.
short() { printf '%s\n' "${1%%.*}"; }

# ---- Redis views -------------------------------------------------------------------------
# role_of HOST : one line describing ROLE of the Redis at HOST:
#   "master <replicas>"  |  "slave <master-host> <master-port> <state>"  |  "down <why>"
role_of() {
  local out
  out="$(rcli "$1" ROLE)" || { echo "down ${out%%$'\n'*}"; return 0; }
  [[ -n "$out" ]] || { echo "down no reply"; return 0; }
  if is_error_reply "$out"; then echo "down ${out%%$'\n'*}"; return 0; fi
  local -a l; mapfile -t l <<<"$out"
  case "${l[0]}" in
    master) echo "master $(( (${#l[@]} - 2) / 3 ))" ;;
    slave) echo "slave ${l[1]:-?} ${l[2]:-?} ${l[3]:-?}" ;;
    *) echo "down unexpected ROLE reply '${l[0]}'" ;;
  esac
}

# ---- Sentinel views ----------------------------------------------------------------------
# ask_sentinels_except SKIP_NAME : asks every Sentinel but SKIP_NAME ("": all of them) for
# MASTER_SET. Fills
#   S_REACHED  Sentinels that answered at all;   S_KNOWN  Sentinels that know the master set
#   S_ANSWERS  lines "<host> <port> <config-epoch> <flags> <sentinel-name>"
#   S_SUMMARY  "s-0: 10.0.0.7:6379 epoch 2 [master]; s-1: unreachable; ..."
# and chooses the view: the address reported with the highest config-epoch (the newest
# failover wins, as among the Sentinels themselves); at equal epochs the address most Sentinels
# report. V_HOST V_PORT V_EPOCH V_VOTES V_FLAGS V_CONFLICT (yes when Sentinels disagree at the
# top epoch). V_HOST is empty when no Sentinel knows the master set.
ask_sentinels() { ask_sentinels_except ""; }
ask_sentinels_except() {
  local skip="$1" name ip out host port epoch flags
  S_REACHED=0 S_KNOWN=0 S_ANSWERS="" S_SUMMARY=""
  V_HOST="" V_PORT="" V_EPOCH=-1 V_VOTES=0 V_FLAGS="" V_CONFLICT=no
  while read -r name; do
    [[ -n "$name" && "$name" != "$skip" ]] || continue
    if ! ip="$(resolve "$name")"; then S_SUMMARY+="$(short "$name"): does not resolve; "; continue; fi
    if ! out="$(scli "$ip" SENTINEL MASTER "$MASTER_SET")" || [[ -z "$out" ]]; then
      S_SUMMARY+="$(short "$name"): unreachable; "; continue
    fi
    if is_error_reply "$out"; then
      if [[ "$out" == ERR*"No such master"* ]]; then
        S_REACHED=$(( S_REACHED + 1 )); S_SUMMARY+="$(short "$name"): does not know $MASTER_SET; "
      else
        S_SUMMARY+="$(short "$name"): ${out%%$'\n'*}; "
      fi
      continue
    fi
    S_REACHED=$(( S_REACHED + 1 )); S_KNOWN=$(( S_KNOWN + 1 ))
    host="$(kv "$out" ip)"; port="$(kv "$out" port)"; epoch="$(kv "$out" config-epoch)"; flags="$(kv "$out" flags)"
    is_uint "$epoch" || epoch=0
    S_ANSWERS+="$host $port $epoch $flags $name"$'\n'
    S_SUMMARY+="$(short "$name"): $host:$port epoch $epoch [$flags]; "
  done < <(sentinel_hosts)
  S_SUMMARY="${S_SUMMARY%; }"
  [[ -n "$S_ANSWERS" ]] || return 0
  local best
  best="$(awk 'NF >= 4 { k = $1 " " $2 " " $3; if ($3 > top) top = $3; n[k]++
      m = split($4, fl, ","); for (i = 1; i <= m; i++) if (!((k, fl[i]) in seen)) { seen[k, fl[i]] = 1; f[k] = f[k] "," fl[i] } }
    END { for (x in n) { split(x, p, " "); if (p[3] == top) { print n[x], p[1], p[2], p[3], substr(f[x], 2); c++ } } if (c > 1) print "CONFLICT" }' <<<"$S_ANSWERS" | sort -k1,1nr)"
  [[ "$best" == *CONFLICT* ]] && V_CONFLICT=yes
  read -r V_VOTES V_HOST V_PORT V_EPOCH V_FLAGS <<<"$(head -n 1 <<<"$best")"
}

# names_self HOST : true when HOST (an IP or a stable name) is this pod.
names_self() { [[ -n "$1" && ( "$1" == "$POD_IP" || "$1" == "$(redis_stable_name "$POD_NAME")" ) ]]; }

# name_of_ip IP : the stable name of the Redis pod that now has IP ("" when none does).
name_of_ip() {
  local name
  while read -r name; do
    [[ "$(resolve "$name" 2>/dev/null)" == "$1" ]] && { printf '%s\n' "$name"; return 0; }
  done < <(redis_hosts)
  return 0
}

# describe_host HOST : "redis-node-1 (10.0.0.7)" for log lines.
describe_host() {
  local ip name
  if is_ip "$1"; then
    ip="$1"; name="$(name_of_ip "$1")"
    [[ -n "$name" ]] && { printf '%s (%s)\n' "$(short "$name")" "$ip"; return; }
    printf '%s\n' "$ip"
  else
    ip="$(resolve "$1" 2>/dev/null || echo "unresolved")"
    printf '%s (%s)\n' "$(short "$1")" "$ip"
  fi
}

# ---- safety: the shared contract (README "Safety") --------------------------------------------
# Files: $DATA_DIR/replication.state (what this pod's data was the last time it was part of live
# replication, written by the probes), $DATA_DIR/data-loss.log (appended whenever a script
# knowingly proceeds after data was lost), $DATA_DIR/force-start (the operator's escape hatch),
# $RUNTIME_DIR/start-status ("waiting safely: <reason>" while a start script waits).
: "${CANDIDATE_MASTER_HOST:=127.0.0.1}"  # a candidate is `replicaof` this address: it refuses, so
: "${CANDIDATE_MASTER_PORT:=1}"          # the data loads read-only and no Sentinel takes it for a master
STATE_FILE="$DATA_DIR/replication.state"
LOSS_LOG="$DATA_DIR/data-loss.log"
FORCE_FILE="$DATA_DIR/force-start"
STATUS_FILE="$RUNTIME_DIR/start-status"
STATE_NAME_PREFIX="replication-state:"   # CLIENT SETNAME of a candidate's published record

# atomic_write FILE TEXT : FILE holds TEXT (one rename; the temp file never survives an exit).
ATOMIC_TMP=""
atomic_write() {
  local dir; dir="$(dirname "$1")"
  mkdir -p "$dir" 2>/dev/null || return 1
  ATOMIC_TMP="$(mktemp "$1.tmp.XXXXXX" 2>/dev/null)" || return 1
  if printf '%s\n' "$2" > "$ATOMIC_TMP" && mv -f "$ATOMIC_TMP" "$1"; then ATOMIC_TMP=""; return 0; fi
  rm -f "$ATOMIC_TMP"; ATOMIC_TMP=""; return 1
}
# cleanup_tmp : removes a temp file an interrupted atomic_write left (scripts trap EXIT with it),
# and sweeps stale ones of earlier runs (older than a minute) from the data dir.
cleanup_tmp() { [[ -n "$ATOMIC_TMP" ]] && rm -f "$ATOMIC_TMP"; ATOMIC_TMP=""; }
sweep_stale_tmp() {
  find "$DATA_DIR" -maxdepth 1 \( -name 'replication.state.tmp.*' -o -name 'pod-address.tmp*' -o -name 'data-loss.log.tmp.*' \) -mmin +1 -delete 2>/dev/null || true
}

# Back-off: waits are re-checked every second, but a waiting script logs the same reason again
# only after 1, 2, 4 ... 30 s (a new reason is logged at once). Repairs sleep the back-off step.
declare -A BO_STEP=() BO_AT=()
BACKOFF_STEP=1
backoff_reset() { BO_STEP=(); BO_AT=(); BACKOFF_STEP=1; }
# backoff_due KEY : true when a line for KEY should be logged now (and advances KEY's back-off).
backoff_due() {
  local k="$1" at="${BO_AT[$1]:-}" step="${BO_STEP[$1]:-1}"
  if [[ -n "$at" ]] && (( SECONDS - at < step )); then return 1; fi
  BO_AT[$k]=$SECONDS
  [[ -n "$at" ]] && step=$(( step * 2 > 30 ? 30 : step * 2 ))
  BO_STEP[$k]=$step; BACKOFF_STEP=$step
  return 0
}

# wait_safely REASON : the script cannot decide safely: say so (log, with back-off) and publish
# the reason for the readiness probe. The caller sleeps and re-checks.
wait_safely() {
  local key="${2:-$1}"
  backoff_due "$key" && log "waiting safely: $1"
  [[ "$(cat "$STATUS_FILE" 2>/dev/null)" == "waiting safely: $1" ]] || atomic_write "$STATUS_FILE" "waiting safely: $1" || true
}
clear_status() { rm -f "$STATUS_FILE"; }

# data_loss REASON : this script knowingly proceeds after data was lost.
data_loss() {
  log "DATA LOSS: $*"
  if ! { mkdir -p "$DATA_DIR" && printf '%s %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$*" >> "$LOSS_LOG"; }; then
    log "cannot append to $LOSS_LOG"
  fi
}

# force_requested : the operator asked a waiting script to stop waiting (touch $DATA_DIR/force-start).
force_requested() { [[ -e "$FORCE_FILE" ]]; }

# is_candidate_master HOST PORT : the placeholder a candidate follows.
is_candidate_master() { [[ "$1" == "$CANDIDATE_MASTER_HOST" && "$2" == "$CANDIDATE_MASTER_PORT" ]]; }

# record_state INFO_TEXT : writes $STATE_FILE from `INFO replication keyspace` of the local server,
# but only while its data is current: as a master, or as a replica with master_link_status:up. A
# candidate, a replica still syncing or one whose link is down keeps its last record, so the record
# always says how far this pod's data went while it was part of live replication. Prints nothing.
record_state() {
  local info="$1" role link keys
  role="$(field "$info" role)"
  case "$role" in
    master) ;;
    slave)
      link="$(field "$info" master_link_status)"
      [[ "$link" == up ]] || return 0
      is_candidate_master "$(field "$info" master_host)" "$(field "$info" master_port)" && return 0 ;;
    *) return 0 ;;
  esac
  keys="$(awk -F'[:=,]' '/^db[0-9]+:keys=/ { n += $3 } END { print n + 0 }' <<<"$info")"
  atomic_write "$STATE_FILE" "role=$role
replid=$(field "$info" master_replid)
replid2=$(field "$info" master_replid2)
offset=$(field "$info" master_repl_offset)
second_offset=$(field "$info" second_repl_offset)
keys=$keys
time=$(date +%s)
pod=$POD_NAME" || log "cannot write $STATE_FILE"
}

# state_value FILE KEY : a value of the recorded state.
state_value() { [[ -r "$1" ]] && awk -F= -v k="$2" '$1 == k { sub(/^[^=]*=/, ""); print; exit }' "$1"; }
