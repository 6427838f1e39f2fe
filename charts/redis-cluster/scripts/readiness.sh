#!/usr/bin/env bash
# readiness.sh: the readiness probe. Ready means this node gives clients correct answers:
#   - cluster_state:ok in its own view;
#   - its own address in the cluster is its current POD_IP;
#   - no master that owns slots is "noaddr" in its view (it would route clients to ":0");
#   - a master owns slots; a replica has master_link_status:up. Exception: during a scale-out
#     (fewer masters own slots than SHARDS), a master in the cluster that owns no slots yet is
#     ready: it answers clients with MOVED, and the post-upgrade bootstrap Job, which moves slots
#     to it, runs only once `helm upgrade --wait` / Argo CD see every pod Ready.
# One exception, so that `helm install --wait`, Flux and Argo CD (which run the post-install
# bootstrap hook only once the pods are Ready) do not deadlock: before the cluster exists (this
# node knows no other node, and no peer has any slot) the node reports ready "awaiting bootstrap".
# A new node whose peers already hold slots is NOT ready until it has been joined.
# It also refreshes $DATA_DIR/peers.map (stable name -> node ID -> IP) from the running node.
# Safety contract (chart README, "Safety"): while redis-server does not answer and start-node.sh
# is waiting safely, it reports "not ready: waiting safely: <reason>" from $RUNTIME_DIR/start-status;
# while $DATA_DIR/data-loss.log exists, every "ready" line ends with a data-loss WARNING.
# Prints the reason; exit 0 = ready.
set -euo pipefail
SCRIPT_NAME=readiness
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${READINESS_PEER_TIMEOUT:=2}"

not_ready() { echo "not ready: $*"; exit 1; }
ready() { echo "ready: $*$(data_loss_warning)"; exit 0; }

sweep_stale_temps

# TLS: reload changed certificate files at runtime; an expired or mismatched certificate is the reason.
# shellcheck source-path=SCRIPTDIR source=tls-lib.sh
. "$(dirname "$0")/tls-lib.sh"
tls_check redis rcli || not_ready "$TLS_PROBLEM"

if ! info="$(rcli_ok "$LOCAL_HOST" CLUSTER INFO)"; then
  if [[ -s "$START_STATUS" ]]; then not_ready "$(head -n 1 "$START_STATUS")"; fi
  not_ready "CLUSTER INFO failed: ${info%%$'\n'*}"
fi
state="$(field "$info" cluster_state)"
known="$(field "$info" cluster_known_nodes)"
assigned="$(field "$info" cluster_slots_assigned)"

if [[ "$known" == 1 && "$assigned" == 0 ]]; then
  while read -r name; do
    [[ "$name" == "$(self_name)" ]] && continue
    ip="$(resolve "$name")" || continue
    peer_info="$(CLI_TIMEOUT=$READINESS_PEER_TIMEOUT rcli_ok "$ip" CLUSTER INFO)" || continue
    peer_slots="$(field "$peer_info" cluster_slots_assigned)"
    if is_uint "$peer_slots" && (( peer_slots > 0 )); then
      not_ready "new node outside the cluster: peer $name ($ip) already has $peer_slots slots assigned; the bootstrap Job (helm upgrade / Argo CD sync) joins this node"
    fi
  done < <(peer_names)
  ready "awaiting bootstrap (no node has slots yet); the bootstrap Job creates the cluster"
fi

nodes="$(rcli_ok "$LOCAL_HOST" CLUSTER NODES)" || not_ready "CLUSTER NODES failed: ${nodes%%$'\n'*}"
# Keep the peers map current (best effort: a full or read-only volume must not flip readiness).
map_refresh_from_nodes "$nodes" >/dev/null 2>&1 || true

[[ "$state" == ok ]] || not_ready "cluster_state:$state (known nodes $known, slots assigned $assigned/16384)"

myself="$(awk '$3 ~ /myself/' <<<"$nodes")"
[[ -n "$myself" ]] || not_ready "CLUSTER NODES has no myself line"
read -r my_id my_addr my_flags my_master _ <<<"$myself"
my_ip="$(addr_ip "$my_addr")"
if [[ -n "$POD_IP" && "$my_ip" != "$POD_IP" ]]; then
  not_ready "this node announces $my_ip but the pod IP is $POD_IP"
fi

broken="$(awk '$3 ~ /master/ && $3 ~ /noaddr/ && NF > 8 { print $1 }' <<<"$nodes" | head -n 3 | paste -sd, -)"
[[ -z "$broken" ]] || not_ready "masters owning slots have no address in this node's view (noaddr): $broken"

if [[ "$my_flags" == *master* ]]; then
  slots="$(awk '$3 ~ /myself/ { n = 0; for (i = 9; i <= NF; i++) if ($i !~ /^\[/) n++; print n }' <<<"$nodes")"
  if (( slots == 0 )); then
    owners="$(awk '$3 ~ /master/ && $3 !~ /fail/ { for (i = 9; i <= NF; i++) if ($i !~ /^\[/) { n++; break } } END { print n + 0 }' <<<"$nodes")"
    if (( owners < SHARDS )); then
      ready "master $my_id owns no slots yet: scale-out in progress ($owners of $SHARDS shards own slots); the bootstrap Job moves slots here"
    fi
    not_ready "master $my_id owns no slots (not yet assigned or attached as a replica)"
  fi
  ready "master $my_id, $slots slot range(s), cluster_state:ok"
else
  repl="$(rcli_ok "$LOCAL_HOST" INFO replication)" || not_ready "INFO replication failed: ${repl%%$'\n'*}"
  link="$(field "$repl" master_link_status)"
  m_addr="$(awk -v id="$my_master" '$1 == id { print $2; exit }' <<<"$nodes")"
  m_ip="$(addr_ip "$m_addr")"
  if [[ -n "$m_ip" && "$(field "$repl" master_host)" != "$m_ip" ]]; then
    not_ready "replica of $my_master, which is at $m_ip, but it replicates from $(field "$repl" master_host):$(field "$repl" master_port) (a stale address that may now be another node's); rejoin.sh re-points it"
  fi
  [[ "$link" == up ]] || not_ready "replica of $my_master: master_link_status:${link:-unknown} (master $(field "$repl" master_host):$(field "$repl" master_port); sync in progress: $(field "$repl" master_sync_in_progress))"
  ready "replica of $my_master, master_link_status:up"
fi
