#!/usr/bin/env bash
# prestop-redis.sh: the preStop hook of the Redis container. A master that is about to stop hands
# over first, so clients see a pause of about a second instead of down-after-milliseconds of
# errors followed by an unplanned failover:
#   1. CLIENT PAUSE WRITE on this master: clients' writes wait, so the replica that is promoted
#      has every write this master acknowledged (replication keeps flowing while paused);
#   2. SENTINEL FAILOVER <set> on a Sentinel that names this pod as master;
#   3. wait until the Sentinels name another pod that answers ROLE master, then REPLICAOF it
#      right away (rather than waiting for the Sentinels to convert this pod, seconds later, during
#      which it would still be a writable master) and CLIENT UNPAUSE: the paused clients get
#      READONLY and ask the Sentinels for the new master.
# A replica, a master without an online replica, or a master the Sentinels do not name just stops.
# It never fails the shutdown: every path exits 0, and the whole script is bounded by
# PRESTOP_TIMEOUT.
#
# Extra environment (see lib.sh for the shared contract):
#   PRESTOP_TIMEOUT   30   seconds the whole hand-over may take; the chart sets half the
#                          termination grace period
#   PRESTOP_LOG_FILE  ""   also append the log here (the chart sets /proc/1/fd/1, the
#                          container's stdout, because kubelet does not keep preStop output)
set -uo pipefail
SCRIPT_NAME="prestop-redis"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${PRESTOP_TIMEOUT:=30}"
: "${PRESTOP_LOG_FILE:=}"
if [[ -n "$PRESTOP_LOG_FILE" ]] && { : >> "$PRESTOP_LOG_FILE"; } 2>/dev/null; then
  exec 2> >(tee -a "$PRESTOP_LOG_FILE" >&2)
fi

PAUSED=no
done_() {
  [[ "$PAUSED" == yes ]] && rcli "$LOCAL_HOST" CLIENT UNPAUSE >/dev/null 2>&1
  # The final record: after a handover this pod is a replica whose data equals the new master's.
  local r; r="$(rcli "$LOCAL_HOST" INFO replication keyspace 2>/dev/null)" && record_state "$r"
  log "$*"; exit 0
}

trap 'cleanup_tmp' EXIT
repl="$(rcli "$LOCAL_HOST" INFO replication keyspace)" || done_ "cannot read INFO replication (${repl%%$'\n'*}); stopping without handover"
role="$(field "$repl" role)"
# The last record of how far this pod's data went (see readiness-redis.sh), before anything changes.
record_state "$repl"
[[ "$role" == master ]] || done_ "this pod is a ${role:-?}; nothing to hand over"
online="$(grep -c '^slave[0-9]*:.*state=online' <<<"$repl" || true)"
(( online > 0 )) || done_ "master without an online replica; stopping without handover (nothing could be promoted)"

ask_sentinels
sentinel_ip="" agree=0
while read -r host _ _ _ name; do
  [[ -n "${host:-}" ]] || continue
  if names_self "$host"; then
    agree=$(( agree + 1 ))
    [[ -n "$sentinel_ip" ]] || sentinel_ip="$(resolve "$name" || true)"
  fi
done <<<"$S_ANSWERS"
[[ -n "$sentinel_ip" ]] || done_ "master, but no reachable Sentinel names this pod (${S_SUMMARY:-none}); stopping without handover"

pause_ms=$(( PRESTOP_TIMEOUT * 1000 ))
reply="$(rcli "$LOCAL_HOST" CLIENT PAUSE "$pause_ms" WRITE)"
if [[ "$reply" == OK ]]; then PAUSED=yes; else log "CLIENT PAUSE failed ($reply); handing over without pausing writes"; fi
reply="$(scli "$sentinel_ip" SENTINEL FAILOVER "$MASTER_SET")"
[[ "$reply" == OK ]] || done_ "SENTINEL FAILOVER on $sentinel_ip failed: ${reply%%$'\n'*}; stopping anyway (the Sentinels fail over after down-after-milliseconds)"
log "master with $online online replica(s), named by $agree Sentinel(s): writes paused, SENTINEL FAILOVER $MASTER_SET sent to $sentinel_ip"

start=$SECONDS
while (( SECONDS < PRESTOP_TIMEOUT )); do
  ask_sentinels
  if [[ -n "$V_HOST" ]] && ! names_self "$V_HOST"; then
    m_ip="$(resolve "$V_HOST" 2>/dev/null || true)"
    if [[ -n "$m_ip" && "$(role_of "$m_ip")" == master* ]]; then
      reply="$(rcli "$LOCAL_HOST" REPLICAOF "$V_HOST" "$V_PORT")"
      done_ "handover done after $(( SECONDS - start ))s: the Sentinels name $(describe_host "$V_HOST"):$V_PORT (config-epoch $V_EPOCH); REPLICAOF it: ${reply%%$'\n'*}"
    fi
  fi
  sleep 0.5
done
done_ "the Sentinels still name this pod after ${PRESTOP_TIMEOUT}s; stopping anyway"
