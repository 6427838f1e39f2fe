#!/usr/bin/env bash
# rejoin.sh: started in the background by start-node.sh when the node restarts with an existing
# cluster config. As soon as the local redis-server answers, it checks, for every peer's stable
# name, that this node knows that peer at the name's CURRENT IP; for each one it does not, it
# sends CLUSTER MEET <current ip> (FACTS, method B). It is the complement of start-node's
# nodes.conf rewrite (method A) for peers whose names did not resolve before redis started, and
# it must run promptly on every node: MEETs sent later than cluster-node-timeout, or from one
# node only, can cause needless failovers. It stops when every peer is known at its current
# address, or after REJOIN_WINDOW_SECONDS. It never fails the pod.
#
# Extra environment (see lib.sh for the shared contract):
#   REJOIN_WINDOW_SECONDS   60     how long to keep checking after redis answers
#   REJOIN_LOAD_WAIT_SECONDS 3600  how long to wait for redis to answer at all (AOF load)
#   REJOIN_INTERVAL         1      seconds between checks
set -uo pipefail
SCRIPT_NAME=rejoin
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${REJOIN_WINDOW_SECONDS:=60}"
: "${REJOIN_LOAD_WAIT_SECONDS:=3600}"
: "${REJOIN_INTERVAL:=1}"

wait_for_local_redis() {
  local start=$SECONDS reply last=""
  while (( SECONDS - start < REJOIN_LOAD_WAIT_SECONDS )); do
    reply="$(rcli "$LOCAL_HOST" PING)" || reply="${reply:-no answer}"
    [[ "$reply" == PONG ]] && return 0
    if [[ "${reply%% *}" != "$last" ]]; then
      log "local redis not answering PONG yet: ${reply%%$'\n'*}"
      last="${reply%% *}"
    fi
    sleep "$REJOIN_INTERVAL"
  done
  return 1
}

# check_once : MEETs the peers whose current address is unknown here. Sets MISSING to how many
# peers are still not confirmed (unresolved, or not yet known at their current address).
declare -A last_meet=()
MISSING=0
check_once() {
  local nodes name ip id addr flags host want known_at missing=0
  local -A ip_of_id=() flags_of_id=() id_of_host=() id_at_ip=()
  nodes="$(rcli_ok "$LOCAL_HOST" CLUSTER NODES)" || { MISSING=-1; return; }
  while read -r id addr flags _; do
    [[ -n "${id:-}" ]] || continue
    [[ "$flags" == *handshake* ]] && continue
    ip="$(addr_ip "$addr")"; host="$(addr_host "$addr")"
    ip_of_id["$id"]="$ip"; flags_of_id["$id"]="$flags"
    [[ -n "$host" ]] && id_of_host["$host"]="$id"
    [[ -n "$ip" && "$flags" != *noaddr* ]] && id_at_ip["$ip"]="$id"
  done <<<"$nodes"

  while read -r name; do
    [[ "$name" == "$(self_name)" ]] && continue
    if ! ip="$(resolve "$name")"; then missing=$(( missing + 1 )); continue; fi
    [[ "$ip" == "$POD_IP" ]] && continue
    want="${id_of_host[$name]:-$(map_id_of "$name")}"
    if [[ -n "$want" && -n "${ip_of_id[$want]+x}" ]]; then
      # We know which node this name is: its address here must be the name's current IP.
      [[ "${ip_of_id[$want]}" == "$ip" && "${flags_of_id[$want]}" != *noaddr* ]] && continue
    elif [[ -n "${id_at_ip[$ip]:-}" ]]; then
      continue  # unknown ID for this name, but some node is known at its IP
    fi
    missing=$(( missing + 1 ))
    if (( SECONDS - ${last_meet[$ip]:--100} >= 5 )); then
      last_meet["$ip"]=$SECONDS
      if [[ -n "$want" ]]; then
        known_at="node $want at ${ip_of_id[$want]:-<no address>}${flags_of_id[$want]:+ (${flags_of_id[$want]})}"
      else
        known_at="no node at that IP"
      fi
      log "peer $name is at $ip, this node has $known_at; CLUSTER MEET $ip $REDIS_PORT $BUS_PORT: $(rcli "$LOCAL_HOST" CLUSTER MEET "$ip" "$REDIS_PORT" "$BUS_PORT" | head -n 1)"
    fi
  done < <(peer_names)
  MISSING=$missing
}

main() {
  if ! wait_for_local_redis; then
    log "local redis did not answer within ${REJOIN_LOAD_WAIT_SECONDS}s; giving up (start-node's nodes.conf repair still applies)"
    exit 0
  fi
  local start=$SECONDS
  while :; do
    check_once
    if (( MISSING == 0 )); then
      log "every peer is known at its current address; done after $(( SECONDS - start ))s"
      exit 0
    fi
    if (( SECONDS - start >= REJOIN_WINDOW_SECONDS )); then
      log "$MISSING peer(s) still unresolved or not known at their current address after ${REJOIN_WINDOW_SECONDS}s; stopping (they fix themselves when they start; readiness keeps reporting it)"
      exit 0
    fi
    sleep "$REJOIN_INTERVAL"
  done
}

main "$@"
