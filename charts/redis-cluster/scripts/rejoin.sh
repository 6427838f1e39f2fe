#!/usr/bin/env bash
# rejoin.sh: started in the background by start-node.sh for the life of the pod. As soon as the
# local redis-server answers, it checks, for every peer's stable name, that this node knows that
# peer at the name's CURRENT IP; for each one it does not, it sends CLUSTER MEET <current ip>
# (FACTS, method B). It is the complement of start-node's nodes.conf rewrite (method A) for peers
# whose names did not resolve before redis started, and it runs promptly on every node: MEETs
# sent later than cluster-node-timeout, or from one node only, can cause needless failovers.
#
# Repairs never stop while a problem lasts (chart README, "Safety"): after a prompt first phase
# (every REJOIN_INTERVAL for REJOIN_WINDOW_SECONDS) it keeps checking every REJOIN_CHECK_SECONDS
# for as long as the pod lives. A peer that stays wrong is retried with exponential back-off
# (1, 2, 4 ... REJOIN_BACKOFF_MAX_SECONDS), logged at most once per back-off step, and the back-off
# resets once the peer is known at its current address. A MEET to one IP is sent at most every 5 s.
# After the first phase it only repairs nodes this node already knows (a wrong address, noaddr):
# adding unknown nodes is the bootstrap's and join-cluster's job (a scale-in forgets nodes that
# must not be MET back). A node that knows no other node (not joined yet) is left alone.
# It never fails the pod.
#
# Extra environment (see lib.sh for the shared contract):
#   REJOIN_WINDOW_SECONDS       60   prompt first phase after redis answers
#   REJOIN_INTERVAL             1    seconds between checks in the first phase
#   REJOIN_CHECK_SECONDS        5    seconds between checks afterwards (for the life of the pod)
#   REJOIN_BACKOFF_MAX_SECONDS  30   cap of the per-peer back-off
set -uo pipefail
SCRIPT_NAME=rejoin
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${REJOIN_WINDOW_SECONDS:=60}"
: "${REJOIN_INTERVAL:=1}"
: "${REJOIN_CHECK_SECONDS:=5}"
: "${REJOIN_BACKOFF_MAX_SECONDS:=30}"

# wait_for_local_redis : until the local server answers PONG (an AOF load can take long); one
# log line per back-off step or change of reply.
wait_for_local_redis() {
  local start=$SECONDS reply last="" next_log=0 step=1
  while :; do
    reply="$(rcli "$LOCAL_HOST" PING)" || reply="${reply:-no answer}"
    [[ "$reply" == PONG ]] && return 0
    if [[ "${reply%% *}" != "$last" ]] || (( SECONDS >= next_log )); then
      log "local redis not answering PONG yet after $(( SECONDS - start ))s: ${reply%%$'\n'*}"
      last="${reply%% *}"; next_log=$(( SECONDS + step )); step=$(( step * 2 > REJOIN_BACKOFF_MAX_SECONDS ? REJOIN_BACKOFF_MAX_SECONDS : step * 2 ))
    fi
    sleep "$REJOIN_INTERVAL"
  done
}

# check_once PROMPT : repairs the peers whose current address is unknown here. PROMPT=yes (the
# first phase) also MEETs names whose node this node does not know at all. Sets MISSING to how
# many peers are still not confirmed (unresolved, or not yet known at their current address).
declare -A last_meet=() backoff=() next_try=() problem=()
MISSING=0
check_once() {
  local prompt="$1" nodes info name ip id addr flags host want known_at why missing=0 now
  local -A ip_of_id=() flags_of_id=() id_of_host=() id_at_ip=()
  info="$(rcli_ok "$LOCAL_HOST" CLUSTER INFO)" || { MISSING=-1; return; }
  if [[ "$(field "$info" cluster_known_nodes)" == 1 ]]; then MISSING=0; return; fi  # not joined yet
  nodes="$(rcli_ok "$LOCAL_HOST" CLUSTER NODES)" || { MISSING=-1; return; }
  while read -r id addr flags _; do
    [[ -n "${id:-}" ]] || continue
    [[ "$flags" == *handshake* ]] && continue
    ip="$(addr_ip "$addr")"; host="$(addr_host "$addr")"
    ip_of_id["$id"]="$ip"; flags_of_id["$id"]="$flags"
    [[ -n "$host" ]] && id_of_host["$host"]="$id"
    [[ -n "$ip" && "$flags" != *noaddr* ]] && id_at_ip["$ip"]="$id"
  done <<<"$nodes"

  now=$SECONDS
  while read -r name; do
    [[ "$name" == "$(self_name)" ]] && continue
    want="${id_of_host[$name]:-$(map_id_of "$name")}"
    why=""
    if ! ip="$(resolve "$name")"; then
      # Only a problem when this node knows the peer without a usable address.
      if [[ -n "$want" && -n "${ip_of_id[$want]+x}" && "${flags_of_id[$want]}" == *noaddr* ]]; then
        why="known as node $want without an address (noaddr), and its name does not resolve yet"
      else
        missing=$(( missing + 1 )); continue
      fi
    elif [[ "$ip" == "$POD_IP" ]]; then
      continue
    elif [[ -n "$want" && -n "${ip_of_id[$want]+x}" ]]; then
      # We know which node this name is: its address here must be the name's current IP.
      [[ "${ip_of_id[$want]}" == "$ip" && "${flags_of_id[$want]}" != *noaddr* ]] || why="at $ip, known here as node $want at ${ip_of_id[$want]:-<no address>} (${flags_of_id[$want]})"
    elif [[ -n "${id_at_ip[$ip]:-}" ]]; then
      :  # unknown ID for this name, but some node is known at its IP
    elif [[ "$prompt" == yes ]]; then
      why="at $ip, and no node at that IP is known here"
    fi
    if [[ -z "$why" ]]; then
      if [[ -n "${problem[$name]:-}" ]]; then
        log "peer $name is now known at its current address ${ip:-}; repaired (was: ${problem[$name]})"
        unset 'problem[$name]' 'backoff[$name]' 'next_try[$name]'
      fi
      continue
    fi
    missing=$(( missing + 1 ))
    (( now >= ${next_try[$name]:-0} )) || continue
    # One attempt (and one log line) per back-off step: 1, 2, 4 ... REJOIN_BACKOFF_MAX_SECONDS.
    local step="${backoff[$name]:-1}"
    next_try["$name"]=$(( now + step ))
    backoff["$name"]=$(( step * 2 > REJOIN_BACKOFF_MAX_SECONDS ? REJOIN_BACKOFF_MAX_SECONDS : step * 2 ))
    problem["$name"]="$why"
    if [[ -z "$ip" ]] || ! [[ "$ip" =~ [.:] ]]; then
      log "peer $name: $why; retrying in ${step}s"
      continue
    fi
    if (( now - ${last_meet[$ip]:--100} >= 5 )); then
      last_meet["$ip"]=$now
      if [[ -n "$want" ]]; then
        known_at="node $want at ${ip_of_id[$want]:-<no address>}${flags_of_id[$want]:+ (${flags_of_id[$want]})}"
      else
        known_at="no node at that IP"
      fi
      log "peer $name is at $ip, this node has $known_at; CLUSTER MEET $ip $REDIS_PORT $BUS_PORT: $(rcli "$LOCAL_HOST" CLUSTER MEET "$ip" "$REDIS_PORT" "$BUS_PORT" | head -n 1) (next check of it in ${step}s)"
    fi
  done < <(peer_names)
  MISSING=$missing
  check_replication_target "$nodes"
}

# check_replication_target NODES : a replica must replicate from its master's CURRENT address. Redis
# updates a peer's address from gossip without re-pointing replication, so after pods swap IPs a
# replica can stay linked to its master's old IP, which now belongs to another node, and copy that
# node's data (another shard's). CLUSTER REPLICATE <master-id> re-points it (a full resync follows).
declare -A last_repoint=()
check_replication_target() {
  local nodes="$1" master addr ip port repl host rport
  read -r _ _ _ master _ <<<"$(awk '$3 ~ /myself/' <<<"$nodes")"
  [[ -n "${master:-}" && "$master" != - ]] || return 0
  addr="$(awk -v id="$master" '$1 == id && $3 !~ /noaddr/ { print $2; exit }' <<<"$nodes")"
  [[ -n "$addr" ]] || return 0
  ip="$(addr_ip "$addr")"; port="${addr%%@*}"; port="${port##*:}"
  repl="$(rcli_ok "$LOCAL_HOST" INFO replication)" || return 0
  host="$(field "$repl" master_host)"; rport="$(field "$repl" master_port)"
  [[ -n "$host" ]] || return 0
  [[ "$host" == "$ip" && "$rport" == "$port" ]] && return 0
  if (( SECONDS - ${last_repoint[$master]:--100} >= 5 )); then
    last_repoint["$master"]=$SECONDS
    log "replication: this replica follows $host:$rport, but its master $master is at $ip:$port (it moved, and the old address may belong to another node now); CLUSTER REPLICATE $master: $(rcli "$LOCAL_HOST" CLUSTER REPLICATE "$master" | head -n 1)"
  fi
}

# lift_failover_hold : start-node.sh held automatic failover for a node that started on an empty
# volume (NO_FAILOVER_HOLD); lift it once the node is a master, or a replica whose link is up and
# whose sync is done (it then holds its master's data and may be promoted like any replica).
lift_failover_hold() {
  local repl role
  [[ -e "$NO_FAILOVER_HOLD" ]] || return 0
  repl="$(rcli_ok "$LOCAL_HOST" INFO replication)" || return 0
  role="$(field "$repl" role)"
  if [[ "$role" == slave ]]; then
    [[ "$(field "$repl" master_link_status)" == up && "$(field "$repl" master_sync_in_progress)" == 0 ]] || return 0
  elif [[ "$role" != master ]]; then
    return 0
  fi
  if [[ "$(rcli "$LOCAL_HOST" CONFIG SET cluster-replica-no-failover no | head -n 1)" == OK ]]; then
    rm -f "$NO_FAILOVER_HOLD"
    log "data: this node is $([[ "$role" == master ]] && echo "a master" || echo "a replica in sync with its master"); lifted the failover hold of its empty start (cluster-replica-no-failover no)"
  fi
}

main() {
  wait_for_local_redis
  local start=$SECONDS announced=""
  while :; do
    if (( SECONDS - start < REJOIN_WINDOW_SECONDS )); then check_once yes; else check_once no; fi
    lift_failover_hold
    if (( MISSING == 0 )) && [[ -z "$announced" ]]; then
      log "every peer is known at its current address after $(( SECONDS - start ))s; checking every ${REJOIN_CHECK_SECONDS}s for the life of the pod"
      announced=1
    fi
    if (( SECONDS - start < REJOIN_WINDOW_SECONDS )); then sleep "$REJOIN_INTERVAL"; else sleep "$REJOIN_CHECK_SECONDS"; fi
  done
}

main "$@"
