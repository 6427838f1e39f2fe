#!/usr/bin/env bash
# join-cluster.sh: started in the background by start-node.sh when the node starts as a new node:
# no nodes.conf, or one that knows no peer (a new pod, a pod whose volume was lost, any restart
# with persistence disabled, a scale-out). Once the local redis-server answers, it asks the peers
# whether a complete cluster already exists (some peer has all 16384 slots assigned). If so, it
# runs bootstrap.sh in join mode, which MEETs this node and gives it its role: a replica of its
# group's master, or, in a scale-out, the (still empty) master of a new shard whose slots the
# bootstrap Job moves; and it forgets the node ID the pod had before. So a node replaced this way
# heals without waiting for the next helm upgrade / Argo CD sync, and new pods become Ready
# (which `helm upgrade --wait` and Argo CD wait for before they run the post-upgrade Job). If no
# cluster exists yet, it does nothing: creating the cluster is the bootstrap Job's job (with the
# explicit slot layout, which pods do not have). It never moves slots and never fails the pod.
#
# Extra environment (see lib.sh for the shared contract):
#   JOIN_WAIT_SECONDS  120   how long to wait for the local redis and for a peer to answer
set -uo pipefail
SCRIPT_NAME=join-cluster
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${JOIN_WAIT_SECONDS:=120}"

start=$SECONDS
until [[ "$(rcli "$LOCAL_HOST" PING)" == PONG ]]; do
  (( SECONDS - start < JOIN_WAIT_SECONDS )) || { log "local redis did not answer within ${JOIN_WAIT_SECONDS}s; not joining"; exit 0; }
  sleep 1
done

while (( SECONDS - start < JOIN_WAIT_SECONDS )); do
  answered=0
  while read -r name; do
    [[ "$name" == "$(self_name)" ]] && continue
    ip="$(resolve "$name")" || continue
    info="$(rcli_ok "$ip" CLUSTER INFO)" || continue
    answered=$(( answered + 1 ))
    if [[ "$(field "$info" cluster_slots_assigned)" == 16384 ]]; then
      log "peer $name ($ip) is in a cluster with all 16384 slots assigned; running bootstrap.sh to join this new node to it"
      BOOTSTRAP_JOIN=yes exec "$(dirname "$0")/bootstrap.sh"
    fi
  done < <(peer_names)
  if (( answered > 0 )); then
    log "$answered peer(s) answered and none has a complete cluster; the bootstrap Job creates it"
    exit 0
  fi
  sleep 2
done
log "no peer answered within ${JOIN_WAIT_SECONDS}s; not joining (the bootstrap Job does it on the next helm upgrade / Argo CD sync)"
