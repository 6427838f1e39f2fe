#!/usr/bin/env bash
# start-redis.sh: the container command of every Redis pod.
#
# Decides, BEFORE redis-server starts, whether this pod is the master or a replica, and of whom,
# then writes $RUNTIME_DIR/redis.conf (the base config from the ConfigMap plus what only the pod
# knows) and execs redis-server. The decision comes from the Sentinels, never from a file on the
# volume: a master that was replaced while it was away (and may now have a new IP that the
# Sentinels will never learn) must come back as a replica, never as a second writable master.
#
#   1. Ask every Sentinel `SENTINEL MASTER <set>` (address, config-epoch, flags). The newest
#      config-epoch wins; at equal epochs the address most Sentinels report.
#   2. The Sentinels name another pod that answers ROLE master  -> replica of it.
#      They name this pod (its IP, or its stable name with ANNOUNCE_HOSTNAMES)   -> master, unless
#        - another pod answers ROLE master (a failover is finishing): wait, then follow it;
#        - this pod's data dir is empty while a peer holds data (the volume was lost, or no
#          persistence): an empty master would wipe its replicas, so wait for the Sentinels to
#          promote a replica, and follow it.
#      They name an address that does not answer (the old master, e.g. this pod's own previous
#        IP): a failover is due; wait (bounded by MASTER_WAIT_SECONDS) until they name a live
#        master, and follow it.
#   3. No Sentinel knows a master (first install, or every Sentinel lost its state) or none is
#      reachable (after SENTINEL_WAIT_SECONDS): follow a pod that already answers ROLE master;
#      else, when the running replicas all follow this pod's address, this pod was their master
#      and starts as master; else it starts as a read-only CANDIDATE and elect-master.sh elects
#      the master among all Redis pods BY DATA (never by ordinal; see elect-master.sh).
#   4. Deadlock breaker: the Sentinels keep naming a dead address for longer than
#      MASTER_WAIT_SECONDS (every pod came back on a new IP while the Sentinels stayed up, so
#      they know no live replica to promote): a pod answering ROLE master is followed; else the
#      pod that owned that address (it holds the newest data) becomes master and re-points the
#      Sentinels at itself (SENTINEL REMOVE + MONITOR); any other pod starts as a CANDIDATE (the
#      election by data, which waits safely while a pod that could hold newer data is missing).
#   Whenever it cannot decide safely it waits, says "waiting safely: <reason>" in the log and in
#   $RUNTIME_DIR/start-status (the readiness probe prints it), and re-checks; an operator can
#   `touch $DATA_DIR/force-start` to take the best data-based guess (recorded in data-loss.log).
#
# Extra environment (see lib.sh for the shared contract):
#   BIND_ADDRESS          "* -::*"   redis `bind` (tests bind each "pod" to its own 127.x.y.z)
#   BIND_SOURCE_ADDR      ""         redis `bind-source-addr` (tests: the pod's 127.x.y.z)
#   MASTER_WAIT_SECONDS   3 x down-after + 30   how long to wait for the Sentinels to name a live
#                                    master (covers a failover in progress)
#   SENTINEL_WAIT_SECONDS 0          how long to wait for a Sentinel to answer (or to know the
#                                    set) before starting as a candidate (a candidate is safe: it
#                                    keeps asking the Sentinels and follows a master they name)
set -euo pipefail
SCRIPT_NAME="start-redis"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=data-lib.sh
. "$(dirname "$0")/data-lib.sh"  # dataset_kind
# shellcheck source-path=SCRIPTDIR source=acl-lib.sh
. "$(dirname "$0")/acl-lib.sh"

: "${BIND_ADDRESS:=* -::*}"
: "${BIND_SOURCE_ADDR:=}"
: "${MASTER_WAIT_SECONDS:=$(( DOWN_AFTER_MS * 3 / 1000 + 30 ))}"
: "${SENTINEL_WAIT_SECONDS:=0}"

[[ -n "$POD_IP" ]] || die "POD_IP is empty: the pod must get it from the downward API (status.podIP)"
SELF_NAME="$(redis_stable_name "$POD_NAME")"
ADDRESS_FILE="$DATA_DIR/pod-address"
PREVIOUS_IP=""

# The address replicas and Sentinels are told: the pod IP, or the stable name.
if yes_ "$ANNOUNCE_HOSTNAMES"; then ANNOUNCE="$SELF_NAME"; else ANNOUNCE="$POD_IP"; fi

# Decision outputs.
ROLE="" MASTER_HOST="" MASTER_PORT="$REDIS_PORT" REPOINT=no ELECT=no
trap 'cleanup_tmp; rm -f "$ADDRESS_FILE.tmp"' EXIT

# ---- what the other Redis pods say --------------------------------------------------------
# peer_masters : "<ip> <name> <connected-replicas> <offset>" for every OTHER pod that answers
# ROLE master, best first (most replicas, then highest offset).
peer_masters() {
  local name ip role n off
  while read -r name; do
    [[ "$name" == "$SELF_NAME" ]] && continue
    ip="$(resolve "$name")" || continue
    [[ "$ip" == "$POD_IP" ]] && continue
    read -r role n _ <<<"$(role_of "$ip")"
    [[ "$role" == master ]] || continue
    off="$(field "$(rcli "$ip" INFO replication)" master_repl_offset)"
    printf '%s %s %s %s\n' "$ip" "$name" "${n:-0}" "${off:-0}"
  done < <(redis_hosts) | sort -k3,3nr -k4,4nr
}

# peer_with_data : the first OTHER pod that holds a dataset (keys, or replication history).
peer_with_data() {
  local name ip info off
  while read -r name; do
    [[ "$name" == "$SELF_NAME" ]] && continue
    ip="$(resolve "$name")" || continue
    [[ "$ip" == "$POD_IP" ]] && continue
    info="$(rcli "$ip" INFO)" || continue
    is_error_reply "$info" && continue
    off="$(field "$info" master_repl_offset)"
    if grep -q '^db[0-9]*:keys=' <<<"$info" || { is_uint "$off" && (( off > 0 )); }; then
      printf '%s\n' "$(short "$name") ($ip)"; return 0
    fi
  done < <(redis_hosts)
  return 1
}

# dataset_kind (data-lib.sh) : aof (the append-only file: every write this pod applied before it
# died), rdb (only an RDB snapshot, possibly older than what a replica holds) or none.

# sentinels_know_replicas : a reachable Sentinel lists at least one replica of the master set, i.e.
# it has someone to promote.
sentinels_know_replicas() {
  local name ip n
  while read -r _ _ _ _ name; do
    [[ -n "${name:-}" ]] || continue
    ip="$(resolve "$name")" || continue
    n="$(kv "$(scli "$ip" SENTINEL MASTER "$MASTER_SET")" num-slaves)"
    is_uint "$n" && (( n > 0 )) && return 0
  done <<<"$S_ANSWERS"
  return 1
}

# local_dataset : true when the volume holds an RDB or AOF to load.
local_dataset() {
  [[ -s "$DATA_DIR/dump.rdb" ]] && return 0
  compgen -G "$DATA_DIR/appendonlydir/*.aof" >/dev/null 2>&1 && return 0
  compgen -G "$DATA_DIR/appendonlydir/*.rdb" >/dev/null 2>&1 && return 0
  [[ -s "$DATA_DIR/appendonly.aof" ]]
}

# ---- decisions -------------------------------------------------------------------------------
# note KEY MESSAGE : log a waiting state the first time KEY is seen and then every 10 s, so a
# wait of a minute is a handful of lines, not sixty.
declare -A NOTE_AT=()
note() {
  local at="${NOTE_AT[$1]:-}"  # never an array subscript inside (( )): the key holds replies
  if [[ -z "$at" ]] || (( SECONDS - at >= 10 )); then
    NOTE_AT[$1]=$SECONDS; log "$2"
  fi
}
be_master() { ROLE=master; MASTER_HOST=""; log "$*: starting as MASTER"; }
be_candidate() {
  ROLE=candidate; MASTER_HOST="$CANDIDATE_MASTER_HOST"; MASTER_PORT="$CANDIDATE_MASTER_PORT"; ELECT=yes
  log "$*: starting as a read-only CANDIDATE (replicaof the placeholder $CANDIDATE_MASTER_HOST:$CANDIDATE_MASTER_PORT); elect-master.sh elects the master by data"
}
be_replica() {
  ROLE=replica; MASTER_HOST="$1"; MASTER_PORT="${2:-$REDIS_PORT}"; shift 2
  log "$*: starting as replica of $(describe_host "$MASTER_HOST"):$MASTER_PORT"
}
# follow_host IP_OR_NAME : the address to put in `replicaof`: the stable name when names are
# announced (it survives the master's IP changing), else the IP.
follow_host() {
  local h="$1" name
  if yes_ "$ANNOUNCE_HOSTNAMES" && is_ip "$h"; then
    name="$(name_of_ip "$h")"; [[ -n "$name" ]] && h="$name"
  fi
  printf '%s\n' "$h"
}

# followers_of_self : true when at least one other pod runs as a replica of this pod's address (its
# IP now or before its restart, or its stable name), no pod follows any other address, and no
# master was found: this pod was their master, and a replica is never ahead of its master.
followers_of_self() {
  local name ip role mh n=0
  while read -r name; do
    [[ "$name" == "$SELF_NAME" ]] && continue
    ip="$(resolve "$name")" || continue
    read -r role mh _ <<<"$(role_of "$ip")"
    [[ "$role" == slave ]] || continue
    if [[ "$mh" == "$POD_IP" || "$mh" == "$SELF_NAME" || ( -n "$PREVIOUS_IP" && "$mh" == "$PREVIOUS_IP" ) ]]; then n=$(( n + 1 )); else return 1; fi
  done < <(redis_hosts)
  (( n > 0 ))
}

# Without any Sentinel's view (first install, Sentinels that lost their state, or none reachable):
# follow a pod that already is master; be the master of replicas that still follow this pod;
# else start as a candidate and elect by data. Never the master by ordinal.
decide_without_sentinels() {
  local why="$1" best ip name
  best="$(peer_masters | sed -n 1p)"
  if [[ -n "$best" ]]; then
    read -r ip name _ <<<"$best"
    be_replica "$(follow_host "$ip")" "$REDIS_PORT" "$why; $(short "$name") already answers ROLE master"
    return
  fi
  if local_dataset && followers_of_self; then
    be_master "$why; the running replicas all follow this pod's address (it was their master and holds a dataset)"
    return
  fi
  be_candidate "$why; no pod answers ROLE master"
}

# The Sentinels keep naming an address that does not answer, and nothing was promoted.
# failover_impossible ELAPSED : true when waiting for the Sentinels is pointless: they have named a
# master that does not answer for longer than down-after-milliseconds plus a margin, and not one of
# the replicas they know answers either (every pod came back on a new IP while they stayed up), so
# they have nobody to promote. Without this, a full restart waits out MASTER_WAIT_SECONDS.
failover_impossible() {
  local elapsed="$1" name ip out addr
  (( elapsed * 1000 >= DOWN_AFTER_MS + 3000 )) || return 1
  while read -r _ _ _ _ name; do
    [[ -n "${name:-}" ]] || continue
    ip="$(resolve "$name")" || continue
    out="$(scli "$ip" SENTINEL REPLICAS "$MASTER_SET")" || continue
    is_error_reply "$out" && continue
    while read -r addr; do
      [[ -n "$addr" ]] || continue
      [[ "$(role_of "${addr% *}")" == down* ]] || { note replicas-alive "the Sentinels know a replica that answers (${addr% *}): a failover can still happen; waiting"; return 1; }
    done < <(awk 'prev == "ip" { ip = $0 } prev == "port" { print ip, $0 } { prev = $0 }' <<<"$out")
    note no-failover "the Sentinels ($(short "$name")) have named unreachable $V_HOST for ${elapsed}s and none of the replicas they know answers: no failover can happen; deciding now instead of after ${MASTER_WAIT_SECONDS}s"
    return 0
  done <<<"$S_ANSWERS"
  return 1
}

decide_deadlock() {
  local elapsed="$1" best ip name
  best="$(peer_masters | sed -n 1p)"
  if [[ -n "$best" ]]; then
    read -r ip name _ <<<"$best"
    be_replica "$(follow_host "$ip")" "$REDIS_PORT" "the Sentinels still name unreachable $V_HOST after ${elapsed}s, but $(short "$name") answers ROLE master"
    return 0
  fi
  if [[ -n "$PREVIOUS_IP" && "$V_HOST" == "$PREVIOUS_IP" ]]; then
    if ! local_dataset && name="$(peer_with_data)"; then
      be_candidate "the Sentinels have named this pod's previous address $PREVIOUS_IP for ${elapsed}s and promoted nobody, but this pod's data dir is empty while $name holds data: an election by data decides, not the address"
      return 0
    fi
    REPOINT=yes
    be_master "the Sentinels have named this pod's previous address $PREVIOUS_IP for ${elapsed}s and promoted nobody (they know no live replica: every pod has a new IP?); this pod was that master and holds the newest data; it will re-point the Sentinels at $ANNOUNCE"
    return 0
  fi
  be_candidate "the Sentinels have named unreachable $V_HOST for ${elapsed}s and promoted nobody; this pod did not own that address"
  return 0
}

decide() {
  local start=$SECONDS elapsed msg role rest best ip name m_ip
  while :; do
    elapsed=$(( SECONDS - start ))
    ask_sentinels
    note "sentinels $S_SUMMARY" "sentinels: ${S_SUMMARY:-none configured}"

    if (( S_KNOWN == 0 )); then
      if (( S_REACHED == 0 )); then msg="no Sentinel reachable"; else msg="no Sentinel knows master set $MASTER_SET yet"; fi
      if (( elapsed < SENTINEL_WAIT_SECONDS )); then
        note no-sentinel "$msg; waiting up to ${SENTINEL_WAIT_SECONDS}s (the Sentinels may be starting too)"
        sleep 1; continue
      fi
      decide_without_sentinels "$msg after ${elapsed}s"
      return
    fi
    if [[ "$V_CONFLICT" == yes ]] && (( elapsed < 5 )); then
      log "Sentinels disagree at config-epoch $V_EPOCH (${S_SUMMARY}); asking again"
      sleep 1; continue
    fi

    msg="$V_VOTES of $S_REACHED reachable Sentinel(s) report master $V_HOST:$V_PORT (config-epoch $V_EPOCH, flags $V_FLAGS)"
    if names_self "$V_HOST"; then
      best="$(peer_masters | sed -n 1p)"
      if [[ -n "$best" ]]; then
        read -r ip name _ <<<"$best"
        if (( elapsed < MASTER_WAIT_SECONDS )); then
          note other-master "$msg, which is this pod, but $(short "$name") ($ip) answers ROLE master (a failover finishing?); waiting (${elapsed}s/${MASTER_WAIT_SECONDS}s)"
          sleep 1; continue
        fi
        be_replica "$(follow_host "$ip")" "$REDIS_PORT" "$msg, which is this pod, but $(short "$name") has answered ROLE master for ${elapsed}s; never a second master"
        return
      fi
      if [[ -n "$PREVIOUS_IP" ]] && sentinels_know_replicas; then
        # A master back from a restart that the Sentinels still name: they could not reach it while
        # it was down and may be failing over right now, and a replica may hold writes newer than
        # this pod's files (an RDB is a snapshot). Coming back writable in that window is a second
        # master or a rollback, so let the Sentinels decide: they fail over (it then follows the
        # new master) or, if they cannot, keep naming it.
        if (( elapsed < MASTER_WAIT_SECONDS )); then
          note restarted "$msg, which is this pod, back from a restart: waiting for the Sentinels to fail over to a replica, which may hold newer writes than this pod's files (${elapsed}s/${MASTER_WAIT_SECONDS}s)"
          sleep 1; continue
        fi
        if [[ "$(dataset_kind)" != aof ]] && name="$(peer_with_data)"; then
          if force_requested; then
            rm -f "$FORCE_FILE"
            data_loss "force-start on $POD_NAME: starting as master from its $(dataset_kind) dataset although $name holds data (the Sentinels promoted no replica in ${elapsed}s); writes only $name has are lost"
            be_master "$msg, which is this pod; force-start"
            return
          fi
          wait_safely "$msg, which is this pod, back from a restart with only $(dataset_kind) data while $name holds data, and the Sentinels promoted no replica in ${elapsed}s (touch $FORCE_FILE to start from this pod's files anyway)" restarted
          sleep 1; continue
        fi
        log "$msg, which is this pod; the Sentinels promoted no replica in ${elapsed}s and this pod's append-only file holds every write it acknowledged"
      fi
      if ! local_dataset && name="$(peer_with_data)"; then
        if (( elapsed < MASTER_WAIT_SECONDS )); then
          note empty "$msg, which is this pod, but its data dir is empty while $name holds data: an empty master would wipe its replicas; waiting for the Sentinels to promote a replica (${elapsed}s/${MASTER_WAIT_SECONDS}s)"
          sleep 1; continue
        fi
        if force_requested; then
          rm -f "$FORCE_FILE"
          data_loss "force-start on $POD_NAME: starting as an EMPTY master although $name holds data (the Sentinels promoted no replica in ${elapsed}s); its replicas will resync to nothing"
          be_master "$msg, which is this pod; force-start"
          return
        fi
        wait_safely "$msg, which is this pod, but its data dir is empty while $name holds data and no replica was promoted in ${elapsed}s; an empty master would wipe its replicas (touch $FORCE_FILE to start empty anyway)" empty
        sleep 1; continue
      fi
      be_master "$msg, which is this pod; no other pod answers ROLE master"
      return
    fi

    m_ip="$(resolve "$V_HOST" 2>/dev/null || true)"
    if [[ -z "$m_ip" ]]; then role=down; rest="does not resolve"; else read -r role rest <<<"$(role_of "$m_ip")"; fi
    # A candidate (replica of the placeholder) is no master to follow: it takes part in an election.
    if [[ "$role" == slave ]] && is_candidate_master "$(awk '{print $1}' <<<"$rest")" "$(awk '{print $2}' <<<"$rest")"; then role=down; rest="it is a candidate, electing a master by data"; fi
    case "$role" in
      master)
        be_replica "$V_HOST" "$V_PORT" "$msg, and it answers ROLE master"
        return ;;
      slave)
        if (( elapsed < MASTER_WAIT_SECONDS )); then
          note slave "$msg, but it answers ROLE slave ($rest): a failover in progress? waiting (${elapsed}s/${MASTER_WAIT_SECONDS}s)"
          sleep 1; continue
        fi
        be_replica "$V_HOST" "$V_PORT" "$msg; it has answered ROLE slave for ${elapsed}s; following it anyway (a replica never causes a second master)"
        return ;;
      *)
        if (( elapsed < MASTER_WAIT_SECONDS )) && ! failover_impossible "$elapsed"; then
          note unreachable "$msg, but it does not answer ($rest)$([[ "$V_HOST" == "$PREVIOUS_IP" ]] && echo ": that was this pod's address before it restarted"); waiting for the Sentinels to promote a replica (${elapsed}s/${MASTER_WAIT_SECONDS}s)"
          sleep 1; continue
        fi
        decide_deadlock "$elapsed" && return
        sleep 1 ;;
    esac
  done
}

write_runtime_conf() {
  local conf="$RUNTIME_DIR/redis.conf" tmp acl="" auth
  mkdir -p "$RUNTIME_DIR"
  # Under auth.acl the users (every password each accepts) replace requirepass, and replicas log in
  # to their master as the replicator user; REDIS_PASSWORD is then the operator's, for the scripts.
  if acl_enabled; then
    acl="$(acl_server_conf)" || die "ACL: cannot configure the users (see the line above); nothing was started"
    auth="$(acl_summary "$(grep '^# acl users:' <<<"$acl")")"
  else
    auth="auth $([[ -n "$REDIS_PASSWORD" ]] && echo on || echo off)"
  fi
  tmp="$(umask 077; mktemp "$conf.XXXXXX")"
  {
    echo "# Written by start-redis.sh for $POD_NAME at $(date -u '+%Y-%m-%dT%H:%M:%SZ'). Regenerated at every start."
    echo "include $(conf_quote "$CONF_DIR/redis.conf")"
    echo "dir $(conf_quote "$DATA_DIR")"
    echo "bind $BIND_ADDRESS"
    [[ -n "$BIND_SOURCE_ADDR" ]] && echo "bind-source-addr $BIND_SOURCE_ADDR"
    if [[ "$REDIS_TLS" == "yes" ]]; then
      echo "port 0"
      echo "tls-port $REDIS_PORT"
    else
      echo "port $REDIS_PORT"
    fi
    # What replicas report to their master, and so what the Sentinels learn and hand out.
    echo "replica-announce-ip $ANNOUNCE"
    echo "replica-announce-port $REDIS_PORT"
    if [[ -n "$acl" ]]; then
      printf '%s\n' "$acl"
    elif [[ -n "$REDIS_PASSWORD" ]]; then
      echo "requirepass $(conf_quote "$REDIS_PASSWORD")"
      echo "masterauth $(conf_quote "$REDIS_PASSWORD")"
    fi
    if [[ "$ROLE" == replica ]]; then
      echo "replicaof $MASTER_HOST $MASTER_PORT"
    elif [[ "$ROLE" == candidate ]]; then
      echo "# candidate: read-only until elect-master.sh decides by data (the placeholder refuses connections)"
      echo "replicaof $MASTER_HOST $MASTER_PORT"
    fi
  } > "$tmp"
  mv -f "$tmp" "$conf"
  log "wrote $conf ($ROLE${MASTER_HOST:+ of $MASTER_HOST:$MASTER_PORT}; bind '$BIND_ADDRESS', announce $ANNOUNCE, $auth, tls $REDIS_TLS)"
}

main() {
  mkdir -p "$DATA_DIR"
  [[ -s "$ADDRESS_FILE" ]] && PREVIOUS_IP="$(head -n 1 "$ADDRESS_FILE" | tr -d '[:space:]')"
  log "pod $POD_NAME ($SELF_NAME) IP $POD_IP${PREVIOUS_IP:+ (previous start: $PREVIOUS_IP)}; master set $MASTER_SET; data dir $(local_dataset && echo 'holds a dataset' || echo 'is empty')"
  printf '%s\n' "$POD_IP" > "$ADDRESS_FILE.tmp" && mv -f "$ADDRESS_FILE.tmp" "$ADDRESS_FILE"
  sweep_stale_tmp
  clear_status
  decide
  write_runtime_conf
  if [[ "$ELECT" == yes ]]; then
    atomic_write "$STATUS_FILE" "waiting safely: started as a read-only candidate; electing the master by data among the Redis pods" || true
    "$(dirname "$0")/elect-master.sh" &
    log "started elect-master helper (pid $!): elects the master by the data every pod holds, then this pod follows or becomes it"
  else
    clear_status
  fi
  if [[ "$REPOINT" == yes ]]; then
    "$(dirname "$0")/repoint-sentinels.sh" &
    log "started repoint-sentinels helper (pid $!): makes the Sentinels monitor $ANNOUNCE once redis-server answers"
  fi
  log "exec $REDIS_SERVER $RUNTIME_DIR/redis.conf"
  exec "$REDIS_SERVER" "$RUNTIME_DIR/redis.conf"
}

main "$@"
