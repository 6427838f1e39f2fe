#!/usr/bin/env bash
# prestop.sh: the preStop hook. A master that is about to stop hands its slots to a healthy
# replica first (CLUSTER FAILOVER run on that replica: a coordinated, lossless switch), so
# clients see a short pause instead of cluster-node-timeout worth of errors and an unplanned
# failover. A replica, or a master without a healthy replica, just stops. A node that the
# scale-in Job removed from the cluster (the remaining masters no longer know it) resets itself
# (CLUSTER RESET HARD), so the volume a scale-in retains holds a new, empty node for a later
# scale-out. It never fails the shutdown: every path exits 0, and the whole script is bounded by
# PRESTOP_TIMEOUT.
#
# Extra environment (see lib.sh for the shared contract):
#   PRESTOP_TIMEOUT   30   seconds the whole hand-over may take (a third of it to find a
#                          healthy replica); the chart sets half the termination grace period
#   PRESTOP_LOG_FILE  ""   also append the log here (the chart sets /proc/1/fd/1, the
#                          container's stdout, because kubelet does not keep preStop output)
set -uo pipefail
SCRIPT_NAME=prestop
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${PRESTOP_TIMEOUT:=30}"
: "${PRESTOP_LOG_FILE:=}"
if [[ -n "$PRESTOP_LOG_FILE" ]] && { : >> "$PRESTOP_LOG_FILE"; } 2>/dev/null; then
  exec 2> >(tee -a "$PRESTOP_LOG_FILE" >&2)
fi

done_() { log "$*"; exit 0; }

nodes="$(rcli_ok "$LOCAL_HOST" CLUSTER NODES)" || done_ "cannot read CLUSTER NODES (${nodes%%$'\n'*}); stopping without handover"
read -r my_id _ my_flags _ <<<"$(awk '$3 ~ /myself/' <<<"$nodes")"
[[ -n "${my_id:-}" ]] || done_ "no myself line in CLUSTER NODES; stopping without handover"
slots="$(awk '$3 ~ /myself/ { n = 0; for (i = 9; i <= NF; i++) if ($i !~ /^\[/) n++; print n }' <<<"$nodes")"

# removed_by_scale_in : true when the masters this node knows (up to 3 that own slots and are
# connected) answer as themselves and none of them knows this node's ID: the scale-in Job has
# removed it (CLUSTER FORGET on every remaining node) and left it running, so that clients with an
# old slot map still got MOVED from it until now.
removed_by_scale_in() {
  local id addr ip out answered=0
  while read -r id addr _; do
    ip="$(addr_ip "$addr")"
    out="$(CLI_TIMEOUT=2 rcli_ok "$ip" CLUSTER NODES)" || continue
    [[ "$(awk '$3 ~ /myself/ { print $1 }' <<<"$out")" == "$id" ]] || continue  # another node has that IP now
    answered=$(( answered + 1 ))
    grep -q "^$my_id " <<<"$out" && return 1
  done < <(awk '$3 ~ /master/ && $3 !~ /myself|fail|noaddr|handshake/ && $8 == "connected" && NF > 8' <<<"$nodes" | head -n 3)
  (( answered > 0 ))
}
if (( slots == 0 )) && removed_by_scale_in; then
  done_ "this node ($my_id) was removed from the cluster by a scale-in (no remaining master knows it); CLUSTER RESET HARD, so its volume holds a new, empty node: $(rcli "$LOCAL_HOST" CLUSTER RESET HARD | head -n 1)"
fi

[[ "$my_flags" == *master* ]] || done_ "this node ($my_id) is a replica; nothing to hand over"
(( slots > 0 )) || done_ "this node ($my_id) is a master without slots; nothing to hand over"

# Healthy replicas: attached to us in the cluster view (not failing, connected), and online in
# our own replication view. Pick the one with the highest replication offset. Views settle a
# second or two after a role change (e.g. a rolling update), so look again for a few seconds.
pick_replica() {
  local nodes repl line best_ip="" best_off=-1
  nodes="$(rcli_ok "$LOCAL_HOST" CLUSTER NODES)" || return 1
  repl="$(rcli_ok "$LOCAL_HOST" INFO replication)" || return 1
  while read -r line; do
    [[ "$line" =~ ^slave[0-9]+:ip=([^,]+),port=[0-9]+,state=([a-z_]+),offset=([0-9]+) ]] || continue
    [[ "${BASH_REMATCH[2]}" == online ]] || continue
    if (( BASH_REMATCH[3] > best_off )); then best_ip="${BASH_REMATCH[1]}"; best_off="${BASH_REMATCH[3]}"; fi
  done <<<"$repl"
  [[ -n "$best_ip" ]] || { WHY="no online replica"; return 1; }
  replica_id="$(awk -v me="$my_id" -v ip="$best_ip" '$4 == me && $3 ~ /slave/ && $3 !~ /fail|noaddr|handshake/ && $8 == "connected" { split($2, a, "@"); sub(/:[0-9]+$/, "", a[1]); if (a[1] == ip) { print $1; exit } }' <<<"$nodes")"
  [[ -n "$replica_id" ]] || { WHY="online replica at $best_ip is not (yet) a healthy cluster replica of $my_id"; return 1; }
  replica_ip="$best_ip"; replica_off="$best_off"
}
n_replicas="$(awk -v me="$my_id" '$4 == me' <<<"$nodes" | wc -l)"
(( n_replicas > 0 )) || done_ "master $my_id has no replica; stopping without handover"
WHY="cannot read CLUSTER NODES / INFO replication"; replica_id="" replica_ip="" replica_off=""
until pick_replica; do
  (( SECONDS < PRESTOP_TIMEOUT / 3 )) || done_ "master $my_id: $WHY; stopping without handover (its replica, if any, takes over after cluster-node-timeout)"
  sleep 1
done

log "master $my_id: handing over to replica $replica_id at $replica_ip (offset $replica_off) with CLUSTER FAILOVER"
reply="$(rcli_ok "$replica_ip" CLUSTER FAILOVER)" || done_ "CLUSTER FAILOVER on $replica_ip failed: ${reply%%$'\n'*}; stopping anyway"
start=$SECONDS role=""
while (( SECONDS < PRESTOP_TIMEOUT )); do
  role="$(field "$(rcli "$LOCAL_HOST" INFO replication)" role)"
  [[ "$role" == slave ]] && done_ "handover done after $(( SECONDS - start ))s: this node is now a replica of $replica_id"
  sleep 1
done
done_ "this node is still '$role' after ${PRESTOP_TIMEOUT}s; stopping anyway (the replica takes over after cluster-node-timeout)"
