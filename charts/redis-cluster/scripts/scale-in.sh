#!/usr/bin/env bash
# scale-in.sh: the pre-upgrade hook Job (Argo CD: PreSync). It runs BEFORE the StatefulSet shrinks,
# with the NEW values, and removes from the cluster every node of a pod that is about to go, so no
# key is lost and no remaining node ever sees a member fail:
#   1. find them: cluster members whose announced hostname is <statefulset>-<i>.<headless> with
#      i >= SHARDS x (1 + REPLICAS_PER_SHARD), the new pod count (the shard-major layout puts
#      whole shards at the top, so a scale-in removes whole shards);
#   2. move every slot of the leaving masters, keys included, to the remaining masters:
#      `redis-cli --cluster rebalance --cluster-weight <leaving master>=0 ...` (MIGRATE with the
#      password), after finishing any slot a killed run left open (`redis-cli --cluster fix`);
#   3. remove each leaving node, replicas first: CLUSTER FORGET on every remaining node. The
#      leaving nodes keep running until their pods go and keep answering clients that still use
#      an old slot map with MOVED (a reset node would answer CLUSTERDOWN); the remaining nodes
#      never add them back (FORGET bans an ID for 60 s, and a node only learns new nodes from
#      MEET or from the gossip of nodes it knows). Each one resets itself in its preStop hook
#      (prestop.sh: CLUSTER RESET HARD), so a retained volume that a later scale-out brings back
#      holds a new, empty node; without preStop (SIGKILL) its nodes.conf still names the cluster,
#      and it rejoins as an empty node at that later scale-out (start-node.sh, rejoin.sh).
# Idempotent: a rerun finishes a killed run; when no member has an ordinal >= the new pod count
# (every normal upgrade, the first sync of Argo CD), it only logs that and exits 0.
#
# Extra environment (see lib.sh for the shared contract):
#   SLOTS                  ""   cluster.slots joined by ";": an explicit layout, which this Job
#                               refuses to change (it moves slots to an even split only)
#   SCALE_IN_WAIT_SECONDS  300  how long to wait for a remaining pod to answer
#   SCALE_IN_STEP_SECONDS  180  how long to wait for the slot map to settle, and for the removal
#   SCALE_IN_INTERVAL      2    seconds between checks
set -euo pipefail
SCRIPT_NAME=scale-in
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
set -f  # word splitting of slot fields like "[5469->-<id>]" must never glob

: "${SLOTS:=}"
: "${SCALE_IN_WAIT_SECONDS:=300}"
: "${SCALE_IN_STEP_SECONDS:=180}"
: "${SCALE_IN_INTERVAL:=2}"

{ is_uint "$SHARDS" && (( SHARDS >= 1 )); } || die "SHARDS='$SHARDS' is not a positive integer"
is_uint "$REPLICAS_PER_SHARD" || die "REPLICAS_PER_SHARD='$REPLICAS_PER_SHARD' is not an integer"
NEW_N=$(cluster_size)
mapfile -t STAY < <(peer_names)

# ---- the cluster, as the pods see it --------------------------------------------------------
declare -A ADDR=() FLAGS=() MASTER_OF=() NSLOTS=() HOST=() ANSWERS=() STAYING=() KNOWN=() LEAVING_PODS=()
declare -a STAY_IPS=()

# parse_nodes TEXT FROM : merge one CLUSTER NODES reply; FROM is "stay" or "leave". A node's own
# line (myself) is authoritative for its role and slots.
parse_nodes() {
  local from="$2" id addr flags master n f
  local -a fields
  while read -ra fields; do
    (( ${#fields[@]} >= 8 )) || continue
    id="${fields[0]}"; addr="${fields[1]}"; flags="${fields[2]}"; master="${fields[3]}"
    [[ "$flags" == *handshake* ]] && continue
    n=0
    for f in "${fields[@]:8}"; do
      [[ "$f" == "["* ]] && continue
      if [[ "$f" == *-* ]]; then n=$(( n + ${f#*-} - ${f%-*} + 1 )); else n=$(( n + 1 )); fi
    done
    if [[ "$flags" == *myself* ]]; then
      ADDR[$id]="$(addr_ip "$addr")"; FLAGS[$id]="${flags/myself,/}"; MASTER_OF[$id]="$master"; NSLOTS[$id]=$n
      ANSWERS[$id]="${ADDR[$id]}"
      [[ "$from" == stay ]] && { STAYING[$id]=1; KNOWN[$id]=1; }
    else
      if [[ -z "${ANSWERS[$id]:-}" && -z "${ADDR[$id]+x}" ]]; then
        ADDR[$id]="$(addr_ip "$addr")"; FLAGS[$id]="$flags"; MASTER_OF[$id]="$master"; NSLOTS[$id]=$n
      fi
      [[ "$from" == stay ]] && KNOWN[$id]=1
    fi
    [[ -n "$(addr_host "$addr")" ]] && HOST[$id]="$(addr_host "$addr")"
  done <<<"$1"
  return 0
}

# collect : reads every remaining pod's view, and the view of every pod with an ordinal >= NEW_N
# that still resolves. Members = nodes a remaining pod knows (or is).
collect() {
  local name ip out k misses=0 max=-1 o id
  ADDR=(); FLAGS=(); MASTER_OF=(); NSLOTS=(); HOST=(); ANSWERS=(); STAYING=(); KNOWN=(); LEAVING_PODS=(); STAY_IPS=()
  for name in "${STAY[@]}"; do
    ip="$(resolve "$name")" || continue
    out="$(rcli_ok "$ip" CLUSTER NODES)" || continue
    STAY_IPS+=("$ip")
    parse_nodes "$out" stay
  done
  for id in "${!HOST[@]}"; do o="$(ordinal_of "${HOST[$id]}")" && (( o > max )) && max=$o; done
  for (( k = NEW_N; (misses < 3 || k <= max) && k < NEW_N + 1000; k++ )); do
    name="$(stable_name "$STATEFULSET-$k")"
    if ip="$(resolve "$name")"; then
      misses=0; LEAVING_PODS[$name]="$ip"
      out="$(rcli_ok "$ip" CLUSTER NODES)" && parse_nodes "$out" leave
    else
      misses=$(( misses + 1 ))
    fi
  done
  return 0
}

# leaving_ids : members whose hostname (or, without one, address) is a pod with ordinal >= NEW_N.
leaving_ids() {
  local id o ip name
  local -A ip_leaving=()
  for name in "${!LEAVING_PODS[@]}"; do ip_leaving[${LEAVING_PODS[$name]}]=1; done
  for id in "${!KNOWN[@]}"; do
    [[ -n "${STAYING[$id]:-}" ]] && continue
    if [[ -n "${HOST[$id]:-}" ]]; then
      o="$(ordinal_of "${HOST[$id]}")" && (( o >= NEW_N )) && echo "$id"
    elif [[ -n "${ip_leaving[${ADDR[$id]:-none}]:-}" ]]; then
      echo "$id"
    fi
  done
  return 0
}

is_master_id() { [[ "${FLAGS[$1]}" == *master* ]]; }
label() { local h="${HOST[$1]:-}"; h="${h%%.*}"; printf '%s (%s)' "${h:-${ADDR[$1]:-?}}" "$1"; }
describe() {
  if is_master_id "$1"; then printf 'master with %s slot(s)' "${NSLOTS[$1]:-0}"
  else printf 'replica of %s' "$(label "${MASTER_OF[$1]}")"; fi
  [[ -n "${ANSWERS[$1]:-}" ]] || printf ', does not answer'
  [[ "${FLAGS[$1]}" != *fail* ]] || printf ', flagged %s' "${FLAGS[$1]}"
}

# staying_masters : remaining masters that own slots, one ID per line.
staying_masters() {
  local id
  for id in "${!STAYING[@]}"; do is_master_id "$id" && (( NSLOTS[$id] > 0 )) && echo "$id"; done
  return 0
}

seed_ip() {
  local id
  id="$(staying_masters | head -n 1)"
  if [[ -n "$id" && -n "${ADDR[$id]:-}" ]]; then echo "${ADDR[$id]}"; else echo "${STAY_IPS[0]}"; fi
}

# ---- steps ------------------------------------------------------------------------------------
wait_for_cluster() {
  local start=$SECONDS name resolved
  while :; do
    collect
    (( ${#STAY_IPS[@]} > 0 )) && return 0
    resolved=0
    for name in "${STAY[@]}"; do resolve "$name" >/dev/null && resolved=$(( resolved + 1 )); done
    if (( resolved == 0 && ${#LEAVING_PODS[@]} == 0 )); then
      log "no pod of $STATEFULSET resolves: there is no cluster to scale in (first install, or first Argo CD sync); nothing to do"
      exit 0
    fi
    (( SECONDS - start < SCALE_IN_WAIT_SECONDS )) || die "after ${SCALE_IN_WAIT_SECONDS}s no remaining pod answers CLUSTER NODES ($resolved of ${#STAY[@]} resolve; ${#LEAVING_PODS[@]} leaving pod(s) resolve): cannot tell which nodes leave, so the StatefulSet must not shrink yet; the Job retries"
    log "waiting for a remaining pod to answer ($(( SECONDS - start ))s/${SCALE_IN_WAIT_SECONDS}s; $resolved of ${#STAY[@]} resolve)"
    sleep "$SCALE_IN_INTERVAL"
  done
}

move_slots() {
  local -a masters=() weights=()
  local id n_stay seed
  for id in "${LEAVING[@]}"; do is_master_id "$id" && (( NSLOTS[$id] > 0 )) && masters+=("$id"); done
  if (( ${#masters[@]} == 0 )); then
    log "slots: no leaving master owns slots"
    [[ -z "$(staying_masters)" ]] || settle_slots "$(seed_ip)" "$SCALE_IN_STEP_SECONDS"
    return 0
  fi
  if [[ -n "$SLOTS" ]]; then
    die "cluster.slots is an explicit layout, and leaving master(s) own slots: $(for id in "${masters[@]}"; do printf '%s: %s slots; ' "$(label "$id")" "${NSLOTS[$id]}"; done)the Jobs move slots only to keep an EVEN split, never to an explicit layout. Either set cluster.slots to [] (the slots of the removed shards are then spread evenly over the remaining ones), or keep cluster.shards as it is, move every slot off these masters yourself (redis-cli --cluster reshard), and then scale in with cluster.slots set to the resulting layout. Nothing was changed"
  fi
  for id in "${masters[@]}"; do
    [[ -n "${ANSWERS[$id]:-}" ]] || die "slots: leaving master $(label "$id") owns ${NSLOTS[$id]} slot(s) but does not answer: its keys cannot be moved. Bring the pod back (or let its replica take over), then run the upgrade again. Nothing was removed"
  done
  n_stay="$(staying_masters | wc -l)"
  if (( n_stay < SHARDS )); then
    die "slots: only $n_stay remaining pod(s) are masters owning slots, but cluster.shards is $SHARDS: the master of a remaining shard is a leaving pod (roles no longer follow the ordinal groups, e.g. after replicasPerShard changed). Make a remaining pod its master (CLUSTER FAILOVER on that pod), then run the upgrade again. Nothing was removed"
  fi
  # A drained master and its replicas must not follow the slots as replicas of the receivers
  # (redis 7.0 does that with cluster-allow-replica-migration yes): a full sync of a remaining
  # master's data to nodes that are about to go.
  for id in "${LEAVING[@]}"; do
    [[ -n "${ANSWERS[$id]:-}" ]] || continue
    log "slots: $(label "$id"): CONFIG SET cluster-allow-replica-migration no: $(rcli "${ANSWERS[$id]}" CONFIG SET cluster-allow-replica-migration no | head -n 1)"
  done
  seed="$(seed_ip)"
  settle_slots "$seed" "$SCALE_IN_STEP_SECONDS"
  collect
  masters=()
  for id in "${LEAVING[@]}"; do is_master_id "$id" && (( NSLOTS[$id] > 0 )) && masters+=("$id") && weights+=("$id=0"); done
  if (( ${#masters[@]} > 0 )); then
    log "slots: moving the slots of ${#masters[@]} leaving master(s) ($(for id in "${masters[@]}"; do printf '%s: %s slots ' "$(label "$id")" "${NSLOTS[$id]}"; done| sed 's/ $//')) to the $n_stay remaining masters, keys included: redis-cli --cluster rebalance --cluster-weight ${weights[*]}"
    local t0=$SECONDS
    cluster_tool rebalance "$seed:$REDIS_PORT" --cluster-yes --cluster-weight "${weights[@]}" \
      || die "slots: redis-cli --cluster rebalance failed (see above); nothing was removed; the Job retries, and the next run finishes any slot left open"
    log "slots: moved in $(( SECONDS - t0 ))s"
    settle_slots "$seed" "$SCALE_IN_STEP_SECONDS"
    collect
  fi
  for id in "${LEAVING[@]}"; do
    (( ${NSLOTS[$id]:-0} == 0 )) || die "slots: $(label "$id") still owns ${NSLOTS[$id]} slot(s) after the rebalance; nothing was removed; the Job retries"
  done
  log "slots: the leaving masters own no slots; $(staying_masters | wc -l) remaining masters own all 16384"
}

# reattach : a remaining replica of a leaving node replicates the remaining master with the fewest replicas.
reattach() {
  local id m best bestn n r s
  local -a leaving_set=("${LEAVING[@]}")
  for id in "${!STAYING[@]}"; do
    is_master_id "$id" && continue
    m="${MASTER_OF[$id]}"
    [[ " ${leaving_set[*]} " == *" $m "* ]] || continue
    best=""; bestn=999999
    while read -r r; do
      [[ -n "$r" ]] || continue
      n=0; for s in "${!STAYING[@]}"; do [[ "${MASTER_OF[$s]}" == "$r" ]] && ! is_master_id "$s" && n=$(( n + 1 )); done
      (( n < bestn )) && { bestn=$n; best=$r; }
    done < <(staying_masters)
    [[ -n "$best" ]] || die "replicas: no remaining master for $(label "$id")"
    log "replicas: remaining $(label "$id") replicates leaving $(label "${MASTER_OF[$id]}"); CLUSTER REPLICATE $(label "$best"): $(rcli "${ADDR[$id]}" CLUSTER REPLICATE "$best" | head -n 1)"
    MASTER_OF[$id]="$best"
  done
  return 0
}

remove_nodes() {
  local id m reply forgot ordered=() missed
  for id in "${LEAVING[@]}"; do is_master_id "$id" || ordered+=("$id"); done   # replicas first
  for id in "${LEAVING[@]}"; do is_master_id "$id" && ordered+=("$id"); done
  for id in "${ordered[@]}"; do
    forgot=0; missed=""
    for m in "${!KNOWN[@]}"; do
      [[ -n "${STAYING[$m]:-}" ]] || continue
      if [[ -z "${ANSWERS[$m]:-}" ]]; then missed+="${missed:+, }$(label "$m")"; continue; fi
      reply="$(rcli "${ANSWERS[$m]}" CLUSTER FORGET "$id" | head -n 1)"
      case "$reply" in
        OK) forgot=$(( forgot + 1 )) ;;
        *"Unknown node"*) ;;
        *) log "remove: $(label "$m"): CLUSTER FORGET $id: $reply" ;;
      esac
    done
    log "remove: $(label "$id"), $(describe "$id"): CLUSTER FORGET on $forgot remaining node(s)${missed:+ (not on $missed, which does not answer: the bootstrap Job forgets it there once it is flagged failed)}; it answers MOVED until its pod goes and resets itself in its preStop hook"
  done
}

wait_removed() {
  local start=$SECONDS id left state ip
  while :; do
    collect
    left=""
    for id in "${LEAVING[@]}"; do [[ -n "${KNOWN[$id]:-}" ]] && left+="${left:+, }$(label "$id")"; done
    state=""
    for ip in "${STAY_IPS[@]}"; do
      [[ "$(field "$(rcli "$ip" CLUSTER INFO)" cluster_state)" == ok ]] || state+="${state:+, }$ip"
    done
    [[ -z "$left" && -z "$state" ]] && return 0
    (( SECONDS - start < SCALE_IN_STEP_SECONDS )) || die "remove: after ${SCALE_IN_STEP_SECONDS}s ${left:+still known to a remaining node: $left; }${state:+not cluster_state:ok: $state}"
    log "remove: waiting ($(( SECONDS - start ))s): ${left:+still known: $left; }${state:+not cluster_state:ok yet: $state}"
    sleep "$SCALE_IN_INTERVAL"
  done
}

main() {
  log "scale-in check: cluster.shards $SHARDS x $(group_size) = $NEW_N pods (${STAY[0]} .. ${STAY[NEW_N-1]}); members with a higher ordinal leave the cluster before the StatefulSet shrinks"
  wait_for_cluster
  mapfile -t LEAVING < <(leaving_ids)
  local id name
  if (( ${#LEAVING[@]} == 0 )); then
    for name in "${!LEAVING_PODS[@]}"; do log "$name (${LEAVING_PODS[$name]}) is not a cluster member (already removed)"; done
    log "nothing to scale in: no cluster member has an ordinal >= $NEW_N"
    exit 0
  fi
  for id in "${LEAVING[@]}"; do log "leaving: $(label "$id"), $(describe "$id")"; done
  move_slots
  reattach
  remove_nodes
  wait_removed
  log "done: ${#LEAVING[@]} node(s) left the cluster; $(staying_masters | wc -l) masters own all slots; the StatefulSet can shrink to $NEW_N pods"
}

main "$@"
