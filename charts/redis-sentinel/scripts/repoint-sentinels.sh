#!/usr/bin/env bash
# repoint-sentinels.sh: run in the background by start-redis.sh, only when it broke a deadlock
# (the Sentinels kept naming an address that no longer exists and promoted nobody, so this pod
# started as master). Once the local redis-server answers as master, it makes every Sentinel that
# still names another address monitor this pod instead: SENTINEL REMOVE <set> on all of them,
# then SENTINEL MONITOR <set> <this pod> <port> <quorum> + SENTINEL SET ... on all of them.
# A Sentinel whose named master is alive and answers ROLE master is NOT re-pointed: then a real
# master exists after all, and this pod turns itself into its replica (never two masters).
# Run by start-redis.sh after it broke a deadlock, and by elect-master.sh when this pod won the
# election by data (a Sentinel that does not know the set yet is simply told to MONITOR it).
# It retries with back-off (1, 2, 4 ... 30 s) for as long as a Sentinel is unreachable or still
# names another address, logging at most once per back-off step, and ends when every Sentinel
# names this pod, or when the local server is no longer a master.
set -uo pipefail
SCRIPT_NAME="repoint-sentinels"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SELF_NAME="$(redis_stable_name "$POD_NAME")"
if yes_ "$ANNOUNCE_HOSTNAMES"; then ANNOUNCE="$SELF_NAME"; else ANNOUNCE="$POD_IP"; fi

backoff_reset
while :; do
  read -r lrole lrest <<<"$(role_of "$LOCAL_HOST")"
  [[ "$lrole" == master ]] && break
  [[ "$lrole" == slave ]] && { log "the local redis-server is a replica ($lrest), not a master: nothing to re-point"; exit 0; }
  backoff_due "local $lrole" && log "waiting for the local redis-server to answer as master (${lrole} ${lrest})"
  sleep 1
done
backoff_reset

# Two phases over every Sentinel that names another address: first SENTINEL REMOVE on all of
# them, then MONITOR + SET on all of them. A Sentinel forwards its view (address + config-epoch)
# to its peers in hello messages every 2 s, and a re-monitored master starts at config-epoch 0:
# re-pointing one Sentinel while another still monitors the old address at a higher epoch would
# let the old view win back. Between the phases no Sentinel monitors the set, so none sends any.
remove_on() {
  local ip="$1" name="$2" reply
  reply="$(scli "$ip" SENTINEL REMOVE "$MASTER_SET")"
  [[ "$reply" == OK || "$reply" == ERR*"No such master"* ]] || { log "$(short "$name"): SENTINEL REMOVE failed: $reply"; return 1; }
}
monitor_on() {
  local ip="$1" name="$2" reply
  reply="$(scli "$ip" SENTINEL MONITOR "$MASTER_SET" "$ANNOUNCE" "$REDIS_PORT" "$QUORUM")"
  [[ "$reply" == OK ]] || { log "$(short "$name"): SENTINEL MONITOR failed: $reply"; return 1; }
  local -a set=(down-after-milliseconds "$DOWN_AFTER_MS" failover-timeout "$FAILOVER_TIMEOUT" parallel-syncs "$PARALLEL_SYNCS")
  [[ -n "$REDIS_PASSWORD" ]] && set+=(auth-pass "$REDIS_PASSWORD")
  reply="$(scli "$ip" SENTINEL SET "$MASTER_SET" "${set[@]}")"
  [[ "$reply" == OK ]] || { log "$(short "$name"): SENTINEL SET failed: $reply"; return 1; }
  log "$(short "$name") ($ip) now monitors $MASTER_SET at $ANNOUNCE:$REDIS_PORT (quorum $QUORUM)"
}

while :; do
  [[ "$(role_of "$LOCAL_HOST")" == master* ]] || { log "the local redis-server is no longer a master; stopping"; exit 0; }
  pending=0 why=""
  targets=()
  while read -r name; do
    ip="$(resolve "$name")" || { pending=$(( pending + 1 )); why+=" $(short "$name"): does not resolve;"; continue; }
    out="$(scli "$ip" SENTINEL MASTER "$MASTER_SET")" || { pending=$(( pending + 1 )); why+=" $(short "$name"): unreachable;"; continue; }
    host="$(kv "$out" ip)"
    [[ "$host" == "$ANNOUNCE" || "$host" == "$POD_IP" ]] && continue
    if [[ -n "$host" ]] && m_ip="$(resolve "$host")" && [[ "$(role_of "$m_ip")" == master* ]]; then
      log "$(short "$name") names $host, which answers ROLE master: a master exists after all; this pod becomes its replica"
      rcli "$LOCAL_HOST" REPLICAOF "$host" "$REDIS_PORT" >/dev/null
      exit 0
    fi
    targets+=("$ip $name")
  done < <(sentinel_hosts)
  removed=()
  for t in "${targets[@]}"; do
    read -r ip name <<<"$t"
    if remove_on "$ip" "$name"; then removed+=("$t"); else pending=$(( pending + 1 )); fi
  done
  for t in "${removed[@]}"; do
    read -r ip name <<<"$t"
    monitor_on "$ip" "$name" || pending=$(( pending + 1 ))
  done
  (( pending == 0 )) && { log "every Sentinel names this pod ($ANNOUNCE) as master of $MASTER_SET; done after ${SECONDS}s"; exit 0; }
  backoff_due "pending $why" && log "$pending Sentinel(s) not re-pointed yet (${why# }); retrying with back-off (next in ${BACKOFF_STEP}s)"
  sleep "$BACKOFF_STEP"
done
