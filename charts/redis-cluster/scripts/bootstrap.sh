#!/usr/bin/env bash
# bootstrap.sh: creates the cluster, completes/repairs it, and finishes a scale-out; safe to run
# any number of times (the chart runs it as a post-install/post-upgrade hook Job; a rerun after
# the Job was killed halfway finishes the work). Steps, each one skipping what is already done:
#   1. wait until every pod's stable name resolves and the pod answers PING;
#   2. if the cluster is already whole, healthy and (even layout) balanced: log it and exit 0;
#   3. slots: every slot nobody owns is added (CLUSTER ADDSLOTSRANGE) to the master of the
#      shard the layout gives it to. The layout is shard-major: pod p belongs to shard
#      p / (1 + REPLICAS_PER_SHARD), and the first pod of each group is the shard's first master;
#   4. CLUSTER MEET every node the others do not know (at its current IP), wait for a full mesh;
#   5. roles: when fewer masters own slots than SHARDS (a scale-out: new groups of pods at the
#      highest ordinals), the first pod of each group without a master becomes a new (empty)
#      master; every other master without slots becomes a replica (CLUSTER REPLICATE) of the
#      master of its group, so a replica is never on its master's pod; nodes that already
#      replicate, and masters that own slots, are left alone;
#   6. node IDs that no pod has any more are forgotten on every node;
#   7. even layout only: open slots (a slot move killed halfway) are finished with
#      `redis-cli --cluster fix`, and when a master's share is more than 2% off the even split
#      (new empty masters after a scale-out), `redis-cli --cluster rebalance` moves slots, keys
#      included (MIGRATE), until it is even;
#   8. wait until every node reports cluster_state:ok and the cluster is whole.
# Removing shards is scale-in.sh's job (a pre-upgrade hook): it must happen before the pods go.
# The Job cannot write the pods' volumes, so it does not write peers.map: each node's readiness
# probe records it (stable name -> node ID -> IP) within seconds of the cluster forming.
#
# Extra environment (see lib.sh for the shared contract):
#   SLOTS                   ""    explicit layout, one entry per shard, separated by ";", each entry
#                                 comma-separated ranges: "0-5000;5001-10000;10001-16383".
#                                 Empty: even split (the same split as redis-cli --cluster create)
#   BOOTSTRAP_WAIT_SECONDS  600   how long to wait for every pod to answer
#   BOOTSTRAP_STEP_SECONDS  180   how long to wait for the mesh, and for cluster_state:ok
#   BOOTSTRAP_INTERVAL      2     seconds between checks
#   BOOTSTRAP_JOIN          ""    set by join-cluster.sh: only join/repair, never assign or move slots
set -euo pipefail
SCRIPT_NAME=bootstrap
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
set -f  # word splitting of slot fields like "[5469->-<id>]" must never glob

: "${SLOTS:=}"
: "${BOOTSTRAP_WAIT_SECONDS:=600}"
: "${BOOTSTRAP_STEP_SECONDS:=180}"
: "${BOOTSTRAP_INTERVAL:=2}"
: "${BOOTSTRAP_JOIN:=}"
# redis-cli --cluster rebalance's default threshold: a master whose slot count is more than this
# many percent off its even share triggers a rebalance.
REBALANCE_THRESHOLD_PERCENT=2

mapfile -t NAMES < <(peer_names)
N=${#NAMES[@]}
{ is_uint "$SHARDS" && (( SHARDS >= 1 )); } || die "SHARDS='$SHARDS' is not a positive integer"
is_uint "$REPLICAS_PER_SHARD" || die "REPLICAS_PER_SHARD='$REPLICAS_PER_SHARD' is not an integer"
GROUP=$(group_size)
(( N >= SHARDS * GROUP )) || die "only $N pods (${NAMES[*]}) for $SHARDS shards of $GROUP pods"

# ---- slot layout ----------------------------------------------------------------------------
# LAYOUT[s] = space-separated ranges "a-b" of shard s.
declare -a LAYOUT=()
build_layout() {
  if [[ -z "$SLOTS" ]]; then
    mapfile -t LAYOUT < <(even_layout "$SHARDS")
    log "slot layout: even split over $SHARDS shards: $(layout_text)"
    return
  fi
  local -a entries=() ranges=() errors=()
  local -a cover=()
  local entry r a b slot s
  IFS=';' read -ra entries <<<"$SLOTS"
  (( ${#entries[@]} == SHARDS )) || die "SLOTS has ${#entries[@]} entries ('$SLOTS') but there are $SHARDS shards: give one entry per shard (cluster.slots)"
  for (( s = 0; s < SHARDS; s++ )); do
    entry="${entries[s]// /}"; LAYOUT[s]=""
    IFS=',' read -ra ranges <<<"$entry"
    (( ${#ranges[@]} > 0 )) || errors+=("shard $s has an empty slot entry")
    for r in "${ranges[@]}"; do
      if [[ "$r" =~ ^([0-9]+)-([0-9]+)$ ]]; then a=$(( 10#${BASH_REMATCH[1]} )); b=$(( 10#${BASH_REMATCH[2]} ))
      elif [[ "$r" =~ ^([0-9]+)$ ]]; then a=$(( 10#$r )); b=$a
      else errors+=("shard $s: '$r' is not a slot or a range a-b"); continue; fi
      (( a <= b )) || { errors+=("shard $s: range $r is reversed"); continue; }
      (( b <= 16383 )) || { errors+=("shard $s: range $r goes past slot 16383"); continue; }
      for (( slot = a; slot <= b; slot++ )); do
        if [[ -n "${cover[slot]:-}" ]]; then
          (( ${#errors[@]} < 10 )) && errors+=("slot $slot is in shard ${cover[slot]} and in shard $s")
        else cover[slot]=$s; fi
      done
      LAYOUT[s]+="${LAYOUT[s]:+ }$a-$b"
    done
  done
  local missing="" run_start=-1
  for (( slot = 0; slot <= 16384; slot++ )); do
    if (( slot < 16384 )) && [[ -z "${cover[slot]:-}" ]]; then
      (( run_start < 0 )) && run_start=$slot
    elif (( run_start >= 0 )); then
      if (( slot - 1 > run_start )); then missing+="${missing:+,}$run_start-$(( slot - 1 ))"; else missing+="${missing:+,}$run_start"; fi
      run_start=-1
    fi
  done
  [[ -z "$missing" ]] || errors+=("slots in no shard: $missing")
  if (( ${#errors[@]} > 0 )); then
    log "invalid slot layout SLOTS='$SLOTS': every slot 0..16383 must be in exactly one shard:"
    for r in "${errors[@]}"; do log "  - $r"; done
    die "invalid slot layout (cluster.slots); nothing was changed"
  fi
  log "slot layout: explicit: $(layout_text)"
}
layout_text() { local s out=""; for (( s = 0; s < SHARDS; s++ )); do out+="${out:+ | }shard $s: ${LAYOUT[s]// /,}"; done; echo "$out"; }

# ---- cluster state, gathered from every pod -------------------------------------------------
declare -a IP=() ID=() NODES=() STATE=() FLAGS=() MASTER=() SLOTF=() NSLOT=()
declare -A POD_OF=() VIEW=()  # VIEW["<pod index> <node id>"] = "<ip> <flags>" in that pod's view
declare -A HOST_OF=()         # node id -> announced hostname (cluster-announce-hostname), any view
declare -A DESIGNATED=()      # pod index -> 1: an empty master chosen to lead a new shard (scale-out)

slot_count() { local f n=0; for f in "$@"; do [[ "$f" == \[* ]] && continue; if [[ "$f" == *-* ]]; then n=$(( n + ${f#*-} - ${f%-*} + 1 )); else n=$(( n + 1 )); fi; done; echo "$n"; }

gather_once() {
  local i ip out line id addr flags a
  POD_OF=(); VIEW=(); HOST_OF=()
  for (( i = 0; i < N; i++ )); do
    ip="$(resolve "${NAMES[i]}")" || { log "${NAMES[i]} does not resolve"; return 1; }
    IP[i]="$ip"
    out="$(rcli_ok "$ip" CLUSTER NODES)" || { log "${NAMES[i]} ($ip): CLUSTER NODES failed: ${out%%$'\n'*}"; return 1; }
    NODES[i]="$out"
    while read -r id addr flags _; do
      [[ -n "${id:-}" ]] || continue
      a="${addr%%,*}"; a="${a%@*}"
      VIEW["$i $id"]="${a%:*} $flags"
      [[ -n "$(addr_host "$addr")" ]] && HOST_OF["$id"]="$(addr_host "$addr")"
    done <<<"$out"
    out="$(rcli_ok "$ip" CLUSTER INFO)" || { log "${NAMES[i]} ($ip): CLUSTER INFO failed: ${out%%$'\n'*}"; return 1; }
    STATE[i]="$(field "$out" cluster_state)"
    line="$(awk '$3 ~ /myself/' <<<"${NODES[i]}")"
    [[ -n "$line" ]] || { log "${NAMES[i]} ($ip): no myself line"; return 1; }
    local -a f=()
    read -ra f <<<"$line"
    ID[i]="${f[0]}"; FLAGS[i]="${f[2]}"; MASTER[i]="${f[3]}"
    SLOTF[i]="${f[*]:8}"
    # shellcheck disable=SC2086
    NSLOT[i]="$(slot_count ${SLOTF[i]})"
    POD_OF["${f[0]}"]=$i
  done
}
gather() {
  local _
  for _ in 1 2 3 4 5; do gather_once && return 0; sleep "$BOOTSTRAP_INTERVAL"; done
  die "cannot read the state of every node (see above); the Job retries"
}
is_master() { [[ "${FLAGS[$1]}" == *master* ]]; }
pod() { printf '%s' "${NAMES[$1]%%.*}"; }

# knows I J : node I knows node J, at J's current IP, without fail/noaddr/handshake flags.
knows() {
  local v="${VIEW["$1 ${ID[$2]}"]:-}"
  [[ -n "$v" && "${v%% *}" == "${IP[$2]}" ]] || return 1
  [[ "${v#* }" != *fail* && "${v#* }" != *noaddr* && "${v#* }" != *handshake* ]]
}

# open_slots : one line per open slot (MIGRATING/IMPORTING, left by a slot move that stopped halfway).
open_slots() {
  local i f body
  for (( i = 0; i < N; i++ )); do
    for f in ${SLOTF[i]}; do
      [[ "$f" == "["*"]" ]] || continue
      body="${f:1:${#f}-2}"
      if [[ "$body" == *"->-"* ]]; then echo "slot ${body%%->-*} migrating from $(pod "$i") to $(pod_of_id "${body#*->-}")"
      elif [[ "$body" == *"-<-"* ]]; then echo "slot ${body%%-<-*} importing into $(pod "$i") from $(pod_of_id "${body#*-<-}")"; fi
    done
  done
  return 0
}
pod_of_id() { if [[ -n "${POD_OF[$1]:-}" ]]; then pod "${POD_OF[$1]}"; else printf 'node %s' "$1"; fi; }

# health_problem [pending] : prints why the cluster is not whole and healthy, or nothing. With
# "pending" (a scale-out whose slots the Job has not moved yet), the designated new masters may
# own no slots yet, and open slots are not reported (a concurrent Job may be moving slots).
health_problem() {
  local mode="${1:-strict}" i j total=0 masters=0 open
  for (( i = 0; i < N; i++ )); do
    if is_master "$i"; then
      if (( NSLOT[i] > 0 )); then masters=$(( masters + 1 )); total=$(( total + NSLOT[i] ))
      elif [[ "$mode" == pending && -n "${DESIGNATED[$i]:-}" ]]; then masters=$(( masters + 1 ))
      else echo "$(pod "$i") is a master without slots"; return; fi
    elif [[ -z "${POD_OF[${MASTER[i]}]:-}" ]]; then
      echo "$(pod "$i") replicates ${MASTER[i]}, which is not one of the pods"; return
    fi
  done
  (( total == 16384 )) || { echo "$total/16384 slots assigned"; return; }
  (( masters == SHARDS )) || { echo "$masters masters own slots, expected $SHARDS"; return; }
  for (( i = 0; i < N; i++ )); do
    for (( j = 0; j < N; j++ )); do
      (( i == j )) || knows "$i" "$j" || { echo "$(pod "$i") does not know $(pod "$j") at ${IP[j]}"; return; }
    done
  done
  for (( i = 0; i < N; i++ )); do
    [[ "${STATE[i]}" == ok ]] || { echo "$(pod "$i") reports cluster_state:${STATE[i]}"; return; }
  done
  if [[ "$mode" != pending ]]; then
    open="$(open_slots | head -n 1)"
    [[ -z "$open" ]] || { echo "$open (a slot move stopped halfway)"; return; }
  fi
}

# imbalance : with the even layout, why the slot split is not even (a master more than
# REBALANCE_THRESHOLD_PERCENT off its share, as redis-cli --cluster rebalance computes it), or nothing.
imbalance() {
  [[ -z "$SLOTS" ]] || return 0
  local i expected=$(( 16384 / SHARDS )) off="" pct
  for (( i = 0; i < N; i++ )); do
    is_master "$i" || continue
    (( NSLOT[i] > 0 )) || [[ -n "${DESIGNATED[$i]:-}" ]] || continue
    if (( NSLOT[i] == 0 )); then
      off+="${off:+, }$(pod "$i") 0"
      continue
    fi
    # |100 - 100 * expected / slots| > threshold, in integer arithmetic (x1000)
    pct=$(( 100000 - 100000 * expected / NSLOT[i] )); (( pct < 0 )) && pct=$(( -pct ))
    (( pct > REBALANCE_THRESHOLD_PERCENT * 1000 )) && off+="${off:+, }$(pod "$i") ${NSLOT[i]}"
  done
  [[ -z "$off" ]] || echo "masters off the even share of $expected slots by more than ${REBALANCE_THRESHOLD_PERCENT}%: $off"
}

summary() {
  local i m="" r=""
  for (( i = 0; i < N; i++ )); do
    if is_master "$i"; then m+="${m:+, }$(pod "$i") (${SLOTF[i]// /,})"
    else r+="${r:+, }$(pod "$i")->$(pod "${POD_OF[${MASTER[i]}]:-0}")"; fi
  done
  echo "masters: ${m:-none}; replicas: ${r:-none}"
}

# ---- steps ----------------------------------------------------------------------------------
wait_for_pods() {
  local start=$SECONDS i ip reply waiting
  while :; do
    waiting=()
    for (( i = 0; i < N; i++ )); do
      if ! ip="$(resolve "${NAMES[i]}")"; then waiting+=("${NAMES[i]} (does not resolve)"); continue; fi
      reply="$(rcli "$ip" PING)" || true
      [[ "$reply" == PONG ]] || waiting+=("${NAMES[i]} ($ip: ${reply%%$'\n'*})")
    done
    (( ${#waiting[@]} == 0 )) && { log "all $N pods answer PING"; return; }
    (( SECONDS - start < BOOTSTRAP_WAIT_SECONDS )) || die "after ${BOOTSTRAP_WAIT_SECONDS}s, ${#waiting[@]}/$N pods still do not answer: ${waiting[*]}"
    log "waiting for ${#waiting[@]}/$N pods ($(( SECONDS - start ))s/${BOOTSTRAP_WAIT_SECONDS}s): ${waiting[*]}"
    sleep "$BOOTSTRAP_INTERVAL"
  done
}

assign_slots() {
  local i s t a b f r slot total=0 reply
  local -a owned=() pairs=()
  # A slot counts as assigned when ANY node claims it in ANY pod's view: that includes a master
  # that belongs to no pod any more, whose replica is about to take over its slots.
  while read -r f; do
    if [[ "$f" == *-* ]]; then a=${f%-*}; b=${f#*-}; else a=$f; b=$f; fi
    for (( slot = a; slot <= b; slot++ )); do owned[slot]=1; done
  done < <(for (( i = 0; i < N; i++ )); do
             awk '$3 ~ /master/ { for (k = 9; k <= NF; k++) if ($k !~ /^\[/) print $k }' <<<"${NODES[i]}"
           done | sort -u)
  total=${#owned[@]}
  if (( total == 16384 )); then log "slots: all 16384 already assigned"; return; fi
  [[ -z "${BOOTSTRAP_JOIN:-}" ]] || die "slots: only $total/16384 assigned; completing them is the bootstrap Job's work (it has the slot layout)"
  if (( total == 0 )); then
    log "slots: none assigned anywhere: creating a new cluster ($SHARDS masters, $REPLICAS_PER_SHARD replica(s) each)"
    # Distinct config epochs make the first configuration converge at once (as redis-cli does).
    for (( i = 0; i < N; i++ )); do
      reply="$(rcli "${IP[i]}" CLUSTER SET-CONFIG-EPOCH $(( i + 1 )) | head -n 1)"
      [[ "$reply" == OK ]] || log "$(pod "$i"): SET-CONFIG-EPOCH $(( i + 1 )): $reply (ignored)"
    done
  else
    log "slots: only $total/16384 assigned (an earlier run stopped halfway?); assigning the rest per layout"
  fi
  for (( s = 0; s < SHARDS; s++ )); do
    f=$(( s * GROUP )); t=$f
    if ! is_master "$t"; then
      t="${POD_OF[${MASTER[f]}]:-}"
      [[ -n "$t" ]] || die "$(pod "$f") (first master of shard $s) is a replica of an unknown node ${MASTER[f]}"
      log "shard $s: $(pod "$f") is a replica now; its master $(pod "$t") takes the shard's missing slots"
    fi
    pairs=()
    local run=-1 count=0
    for r in ${LAYOUT[s]}; do
      a=${r%-*}; b=${r#*-}
      for (( slot = a; slot <= b + 1; slot++ )); do
        if (( slot <= b )) && [[ -z "${owned[slot]:-}" ]]; then
          (( run < 0 )) && run=$slot
          count=$(( count + 1 ))
        elif (( run >= 0 )); then
          pairs+=("$run" "$(( slot - 1 ))"); run=-1
        fi
      done
    done
    if (( ${#pairs[@]} == 0 )); then log "shard $s: its slots are already assigned"; continue; fi
    reply="$(rcli_ok "${IP[t]}" CLUSTER ADDSLOTSRANGE "${pairs[@]}")" || die "shard $s: ADDSLOTSRANGE ${pairs[*]} on $(pod "$t") failed: $reply"
    log "shard $s: $(pod "$t") takes $count slot(s): ADDSLOTSRANGE ${pairs[*]}"
  done
}

meet_all() {
  local i j anchor=0 best=-1 k start=$SECONDS round=0 missing first reply
  for (( i = 0; i < N; i++ )); do
    k=0; for (( j = 0; j < N; j++ )); do (( i != j )) && knows "$i" "$j" && k=$(( k + 1 )); done
    (( NSLOT[i] > 0 )) && k=$(( k * 2 + 1 ))  # prefer a node that holds slots
    (( k > best )) && { best=$k; anchor=$i; }
  done
  for (( j = 0; j < N; j++ )); do
    (( j == anchor )) && continue
    knows "$anchor" "$j" && continue
    reply="$(rcli "${IP[anchor]}" CLUSTER MEET "${IP[j]}" "$REDIS_PORT" "$BUS_PORT" | head -n 1)"
    log "meet: $(pod "$anchor") does not know $(pod "$j"): CLUSTER MEET ${IP[j]} $REDIS_PORT $BUS_PORT: $reply"
  done
  while :; do
    sleep "$BOOTSTRAP_INTERVAL"; round=$(( round + 1 ))
    gather
    missing=0; first=""
    for (( i = 0; i < N; i++ )); do
      for (( j = 0; j < N; j++ )); do
        (( i == j )) && continue
        knows "$i" "$j" && continue
        missing=$(( missing + 1 )); [[ -n "$first" ]] || first="$(pod "$i") does not know $(pod "$j") at ${IP[j]}"
        # Gossip normally completes the mesh; a view still wrong after a few rounds is fixed directly.
        if (( round % 5 == 0 )); then
          reply="$(rcli "${IP[i]}" CLUSTER MEET "${IP[j]}" "$REDIS_PORT" "$BUS_PORT" | head -n 1)"
          log "meet: $(pod "$i") still does not know $(pod "$j"): CLUSTER MEET ${IP[j]}: $reply"
        fi
      done
    done
    (( missing == 0 )) && { log "meet: all $N nodes know each other at their current addresses"; return; }
    (( SECONDS - start < BOOTSTRAP_STEP_SECONDS )) || die "meet: after ${BOOTSTRAP_STEP_SECONDS}s, $missing node pairs still do not know each other (e.g. $first)"
    log "meet: waiting for the mesh: $missing node pair(s) missing (e.g. $first)"
  done
}

# in_group P Q : pods P and Q belong to the same group (shard-major layout).
in_group() { (( $1 / GROUP == $2 / GROUP )); }
# leads Q : pod Q is (or is about to become) a master that serves a shard.
leads() { is_master "$1" && { (( NSLOT[$1] > 0 )) || [[ -n "${DESIGNATED[$1]:-}" ]]; }; }

# shard_master P : the node ID pod P must replicate: the master of P's group (a master of the
# group, or the master a group member replicates); when the group has none (e.g. after
# replicasPerShard changed), the master with the fewest replicas. Never P itself.
shard_master() {
  local p=$1 q m best="" bestn=999999 n i
  for (( q = 0; q < N; q++ )); do
    if (( q == p )) || ! in_group "$p" "$q"; then continue; fi
    if leads "$q"; then echo "${ID[q]}"; return; fi
    m="${POD_OF[${MASTER[q]}]:-}"
    if ! is_master "$q" && [[ -n "$m" ]] && (( m != p )) && leads "$m"; then echo "${MASTER[q]}"; return; fi
  done
  for (( q = 0; q < N; q++ )); do
    if (( q == p )) || ! leads "$q"; then continue; fi
    n=0; for (( i = 0; i < N; i++ )); do ! is_master "$i" && [[ "${MASTER[i]}" == "${ID[q]}" ]] && n=$(( n + 1 )); done
    (( n < bestn )) && { bestn=$n; best="${ID[q]}"; }
  done
  echo "$best"
}

# ghost_masters : masters that own slots but belong to no pod (a pod came back as a new node
# after its volume was lost, before its old node ID failed over; or a pod removed without the
# scale-in Job), in any pod's view: "<id>[/<hostname>] ...".
ghost_masters() {
  local i
  local -A current=()
  for (( i = 0; i < N; i++ )); do current["${ID[i]}"]=1; done
  for (( i = 0; i < N; i++ )); do
    awk '$3 ~ /master/ && NF > 8 { print $1 }' <<<"${NODES[i]}"
  done | sort -u | while read -r id; do [[ -n "${current[$id]:-}" ]] || printf '%s%s ' "$id" "${HOST_OF[$id]:+/${HOST_OF[$id]}}"; done
}

explicit_layout_die() {
  die "cluster.slots is an explicit layout and the cluster has $1 shard(s) owning slots while cluster.shards is $SHARDS: the Jobs move slots only to keep an EVEN split, never to an explicit layout. Either set cluster.slots to [] (the Jobs then spread the slots evenly over $SHARDS shards), or set cluster.shards back to $1 (the scale-in Job then removes the new pods' nodes) and reshape by hand: redis-cli --cluster reshard, then write the resulting layout into cluster.slots. No slot was moved"
}

# assign_roles : step 5. Scale-out: new groups get a master (DESIGNATED); every other master
# without slots becomes a replica of its group's master.
assign_roles() {
  local p q g masters=0 need target reply ghosts start=$SECONDS pass
  local -a empty=()
  while ghosts="$(ghost_masters)"; [[ -n "$ghosts" ]]; do
    (( SECONDS - start < BOOTSTRAP_STEP_SECONDS )) || die "roles: slots are still owned by node(s) that belong to no pod: ${ghosts% }; their replicas did not take over. If they are pods removed by a scale-in without the scale-in Job, their keys are only on those volumes: scale back out to bring them back, then scale in again (the Job moves their slots first). Otherwise, on the replica of each, run: redis-cli CLUSTER FAILOVER TAKEOVER"
    log "roles: slots owned by node(s) that belong to no pod (${ghosts% }); waiting for their replicas to take over (cluster-node-timeout)"
    sleep "$BOOTSTRAP_INTERVAL"
    gather
  done
  for (( p = 0; p < N; p++ )); do
    is_master "$p" || continue
    if (( NSLOT[p] > 0 )); then masters=$(( masters + 1 )); else empty+=("$p"); fi
  done
  need=$(( SHARDS - masters ))
  if (( need < 0 )); then
    die "roles: $masters masters own slots but cluster.shards is $SHARDS: removing shards is the scale-in Job's work (a pre-upgrade hook, Argo CD PreSync), which moves their slots away while their pods still exist; this Job never moves slots off a master"
  fi
  if (( need > 0 && ${#empty[@]} > 0 )); then
    (( masters == 0 )) || [[ -z "$SLOTS" ]] || explicit_layout_die "$masters"
    log "roles: $masters master(s) own slots, cluster.shards is $SHARDS: scale-out, $need new shard(s)"
    # First the first pod of each group that has no master yet, then any pod of such a group,
    # then any empty pod (only when groups no longer match roles, e.g. after replicasPerShard changed).
    for pass in 1 2 3; do
      for p in "${empty[@]}"; do
        (( need > 0 )) || break
        [[ -z "${DESIGNATED[$p]:-}" ]] || continue
        g=0; for (( q = 0; q < N; q++ )); do in_group "$p" "$q" && leads "$q" && g=1; done
        case $pass in
          1) (( p % GROUP == 0 && g == 0 )) || continue ;;
          2) (( g == 0 )) || continue ;;
        esac
        DESIGNATED[$p]=1; need=$(( need - 1 ))
        log "roles: $(pod "$p") (${ID[p]}) becomes the master of a new shard (group $(( p / GROUP )): pods $(( p / GROUP * GROUP ))..$(( p / GROUP * GROUP + GROUP - 1 ))); it gets its slots once its replicas are attached"
      done
    done
  fi
  (( need <= 0 )) || log "roles: only $(( SHARDS - need )) of $SHARDS shards have a master and no empty node is left to lead another"
  for (( p = 0; p < N; p++ )); do
    if ! is_master "$p"; then log "roles: $(pod "$p") already replicates $(pod_of_id "${MASTER[p]}"); left alone"; continue; fi
    (( NSLOT[p] > 0 )) && continue
    [[ -n "${DESIGNATED[$p]:-}" ]] && continue
    target="$(shard_master "$p")"
    [[ -n "$target" ]] || die "roles: no master found for $(pod "$p")"
    reply="$(rcli_ok "${IP[p]}" CLUSTER REPLICATE "$target")" \
      || die "roles: CLUSTER REPLICATE on $(pod "$p") failed: $reply (a node holding keys cannot become a replica; see the chart README)"
    log "roles: $(pod "$p") now replicates $(pod_of_id "$target") ($target)"
    FLAGS[p]="slave"; MASTER[p]="$target"
  done
}

# forget_ghosts : node IDs that no pod has any more stay in every node's table: a pod whose volume
# was lost came back as a new node; a pod removed without the scale-in Job. A node ID is a ghost
# when it belongs to no pod and either it is flagged fail/noaddr, or its announced hostname is a
# pod's stable name while that pod is now another node ID (a replaced node, failed or not yet).
# Ghosts are forgotten on every node in one pass (CLUSTER FORGET bans an ID for 60 s only, so
# all nodes must forget it within that time). A ghost that still owns slots is never forgotten.
forget_ghosts() {
  local i key id v host why
  local -A current=() ghosts=() pod_of_name=()
  for (( i = 0; i < N; i++ )); do current["${ID[i]}"]=1; pod_of_name["${NAMES[i]}"]=$i; done
  for key in "${!VIEW[@]}"; do
    id="${key#* }"; v="${VIEW[$key]}"
    [[ -n "${current[$id]:-}" || -n "${ghosts[$id]:-}" ]] && continue
    [[ "${v#* }" == *handshake* ]] && continue
    host="${HOST_OF[$id]:-}"
    if [[ -n "$host" && -n "${pod_of_name[$host]:-}" ]]; then
      why="it announces $host, which is now node ${ID[${pod_of_name[$host]}]}"
    elif [[ "${v#* }" == *fail* || "${v#* }" == *noaddr* ]]; then
      why="flagged ${v#* } and belongs to no pod"
    else
      continue
    fi
    awk -v id="$id" '$1 == id && NF > 8 { found = 1 } END { exit !found }' <<<"${NODES[${key%% *}]}" && continue
    ghosts["$id"]="$why"
  done
  (( ${#ghosts[@]} > 0 )) || return 0
  for id in "${!ghosts[@]}"; do
    log "ghosts: node $id: ${ghosts[$id]}; CLUSTER FORGET on every node"
    for (( i = 0; i < N; i++ )); do
      [[ -n "${VIEW["$i $id"]:-}" ]] || continue
      v="$(rcli "${IP[i]}" CLUSTER FORGET "$id" | head -n 1)"
      [[ "$v" == OK ]] || log "ghosts: $(pod "$i"): CLUSTER FORGET $id: $v"
    done
  done
}

# wait_until_whole [pending] : until health_problem is empty (bounded).
wait_until_whole() {
  local mode="${1:-strict}" start=$SECONDS problem
  while :; do
    gather
    problem="$(health_problem "$mode")"
    [[ -z "$problem" ]] && return 0
    (( SECONDS - start < BOOTSTRAP_STEP_SECONDS )) || die "after ${BOOTSTRAP_STEP_SECONDS}s the cluster is still not whole: $problem"
    log "waiting for the cluster to settle ($(( SECONDS - start ))s): $problem"
    sleep "$BOOTSTRAP_INTERVAL"
  done
}

# seed : a pod that owns slots (redis-cli --cluster reads the whole cluster from it).
seed() { local i; for (( i = 0; i < N; i++ )); do is_master "$i" && (( NSLOT[i] > 0 )) && { echo "${IP[i]}"; return; }; done; echo "${IP[0]}"; }

# balance_slots : step 7 (the Job, even layout only).
balance_slots() {
  local why i host
  local -a weights=()
  if [[ -n "$SLOTS" ]]; then
    [[ -z "$(open_slots)" ]] || log "slots: $(open_slots | head -n 1); fixing it although the layout is explicit (it only completes a move that was started)"
    [[ -z "$(open_slots)" ]] || settle_slots "$(seed)" "$BOOTSTRAP_STEP_SECONDS"
    log "slots: explicit layout (cluster.slots): slots are never moved"
    return
  fi
  host="$(seed)"
  settle_slots "$host" "$BOOTSTRAP_STEP_SECONDS"
  gather
  why="$(imbalance)"
  if [[ -z "$why" ]]; then log "slots: even split over $SHARDS masters (within ${REBALANCE_THRESHOLD_PERCENT}%); nothing to move"; return; fi
  # Masters without slots that are not designated (none, normally) must not receive slots.
  for (( i = 0; i < N; i++ )); do
    is_master "$i" && (( NSLOT[i] == 0 )) && [[ -z "${DESIGNATED[$i]:-}" ]] && weights+=("${ID[i]}=0")
  done
  log "slots: $why; moving slots (keys included) with redis-cli --cluster rebalance --cluster-use-empty-masters${weights[*]:+ --cluster-weight ${weights[*]}}"
  local t0=$SECONDS
  cluster_tool rebalance "$host:$REDIS_PORT" --cluster-use-empty-masters --cluster-yes ${weights[@]:+--cluster-weight "${weights[@]}"} \
    || die "slots: redis-cli --cluster rebalance failed (see above); the Job retries, and the next run finishes any slot left open"
  log "slots: rebalance done in $(( SECONDS - t0 ))s"
  settle_slots "$host" "$BOOTSTRAP_STEP_SECONDS"
}

main() {
  log "bootstrap of $N pods (${NAMES[0]} .. ${NAMES[N-1]}): $SHARDS shards x $GROUP${BOOTSTRAP_JOIN:+, started by join-cluster on $POD_NAME}"
  [[ -n "$BOOTSTRAP_JOIN" ]] || build_layout
  wait_for_pods
  gather
  local problem why=""
  problem="$(health_problem)"
  [[ -n "$problem" || -n "$BOOTSTRAP_JOIN" ]] || why="$(imbalance)"
  if [[ -z "$problem" && -z "$why" ]]; then
    log "cluster already formed and healthy: $(summary); nothing to do"
    forget_ghosts
    [[ -z "$SLOTS" ]] || log "note: cluster.slots only applies when the cluster is created; the existing layout is kept"
    exit 0
  fi
  if [[ -n "$problem" ]]; then log "cluster not whole yet: $problem; creating or completing it"
  else log "cluster whole but $why"; fi
  assign_slots
  gather
  meet_all
  assign_roles
  gather
  forget_ghosts
  if [[ -n "$BOOTSTRAP_JOIN" ]]; then
    wait_until_whole pending
    log "done: $POD_NAME is in the cluster; $(summary)$( (( ${#DESIGNATED[@]} > 0 )) && echo "; the bootstrap Job moves slots to the new master(s)")"
    exit 0
  fi
  if (( ${#DESIGNATED[@]} > 0 )) || [[ -n "$(imbalance)" ]] || [[ -n "$(open_slots)" ]]; then
    wait_until_whole pending
    balance_slots
  fi
  wait_until_whole
  log "done: cluster_state:ok on all $N nodes; $(summary)"
}

main "$@"
