#!/usr/bin/env bash
# start-node.sh: the container command of every Redis pod (the classic update-node.sh).
#
#  1. Writes the effective config $RUNTIME_DIR/redis.conf: the base config from the ConfigMap,
#     plus what only the pod knows (its IP, its stable name, the password, the paths).
#  2. If the volume holds a nodes.conf, repairs every address in
#     it BEFORE redis-server reads it: its own line -> POD_IP, and each peer's line, found by node
#     ID, -> the fresh resolution of that peer's stable name (name from the announced hostname in
#     nodes.conf, else from $DATA_DIR/peers.map). This is what lets a cluster recover when every
#     pod comes back with a new IP at once; fixing only the own line does not (FACTS, method A).
#  3. Data safety (chart README, "Safety"): if nodes.conf says this node is a master owning slots,
#     it asks the reachable peers who owns those slots now, BEFORE redis-server starts:
#     (a) another node owns them at a higher config epoch (a failover happened): nodes.conf is
#         rebuilt from that owner's live view with this node as its replica, so the node never
#         comes back claiming the slots, not even for a moment;
#     (b) peers say it still owns them but the volume holds no dataset: a replica that holds data
#         is promoted first (CLUSTER FAILOVER FORCE), then (a); if every replica is reachable and
#         empty (or there is none) the data is provably gone: it starts as master and records
#         DATA LOSS; if a replica is unreachable and none holds data, it waits safely;
#     (c) no peer answers: with a dataset it starts as before; without one it waits safely.
#     Replicas never wait. Waiting is visible: "waiting safely: <reason>" in the log and in
#     $RUNTIME_DIR/start-status (readiness.sh prints it); $DATA_DIR/force-start ends the wait.
#  4. Starts helpers in the background and execs redis-server: rejoin.sh, for the life of the
#     pod (CLUSTER MEET of known peers whose current address it does not know: method B, the
#     complement for peers that did not resolve in time), and, for a new node (no nodes.conf, or
#     one that knows no peer), join-cluster.sh (joins it when a complete cluster already exists:
#     a lost volume, no persistence, a scale-out).
#
# Extra environment (see lib.sh for the shared contract):
#   BIND_ADDRESS          "* -::*"   redis `bind` (tests bind each "pod" to its own 127.0.0.x)
#   BIND_SOURCE_ADDR      ""         redis `bind-source-addr` (tests: the pod's 127.0.0.x)
#   ANNOUNCE_HOSTNAME     <pod>.<headless>  `cluster-announce-hostname`; "" disables it
#   RESOLVE_WAIT_SECONDS  10         how long to wait for peer names to resolve before starting
#   REJOIN                yes        "no" disables the background helpers (rejoin, join-cluster)
#   START_WAIT_INTERVAL   2          waiting safely: seconds between checks
#   START_BACKOFF_MAX_SECONDS 30     waiting safely: cap of the log back-off (1, 2, 4 ... s)
#   FAILOVER_RETRY_SECONDS 15        (b): after this long without the FORCE failover taking effect,
#                                    CLUSTER FAILOVER TAKEOVER (no vote needed: the master is this node)
#   PEER_QUERY_TIMEOUT    2          seconds per peer query before start (peers are asked at once)
set -euo pipefail
SCRIPT_NAME="start-node"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=data-lib.sh
. "$(dirname "$0")/data-lib.sh"  # dataset_kind
# shellcheck source-path=SCRIPTDIR source=acl-lib.sh
. "$(dirname "$0")/acl-lib.sh"

: "${BIND_ADDRESS:=* -::*}"
: "${BIND_SOURCE_ADDR:=}"
: "${RESOLVE_WAIT_SECONDS:=10}"
: "${REJOIN:=yes}"
: "${START_WAIT_INTERVAL:=2}"
: "${START_BACKOFF_MAX_SECONDS:=30}"
: "${FAILOVER_RETRY_SECONDS:=15}"
: "${PEER_QUERY_TIMEOUT:=2}"
ANNOUNCE_HOSTNAME="${ANNOUNCE_HOSTNAME-$(self_name)}"

[[ -n "$POD_IP" ]] || die "POD_IP is empty: the pod must get it from the downward API (status.podIP)"
NODES_CONF="$DATA_DIR/nodes.conf"

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
  tmp="$(umask 077; volume_temp "$conf")"
  TEMP_FILES+=("$tmp")
  {
    echo "# Written by start-node.sh for $POD_NAME at $(date -u '+%Y-%m-%dT%H:%M:%SZ'). Regenerated at every start."
    echo "include $(conf_quote "$CONF_DIR/redis.conf")"
    echo "dir $(conf_quote "$DATA_DIR")"
    echo "cluster-config-file $(conf_quote "$NODES_CONF")"
    echo "bind $BIND_ADDRESS"
    if [[ "$REDIS_TLS" == "yes" ]]; then
      echo "port 0"
      echo "tls-port $REDIS_PORT"
      echo "tls-cert-file $(conf_quote "$TLS_DIR/tls.crt")"
      echo "tls-key-file $(conf_quote "$TLS_DIR/tls.key")"
      echo "tls-ca-cert-file $(conf_quote "$TLS_DIR/ca.crt")"
    else
      echo "port $REDIS_PORT"
    fi
    echo "cluster-port $BUS_PORT"
    # A master's diskless full sync waits repl-diskless-sync-delay (5 s) for more replicas to share
    # the transfer; a shard has REPLICAS_PER_SHARD of them (from the topology ConfigMap, which is not
    # part of the pod template, so scaling restarts no pod), so start once they are all connected.
    # After a restart every replica needs a full sync: this took about 4 s off a full restart.
    if is_uint "$REPLICAS_PER_SHARD" && (( REPLICAS_PER_SHARD > 0 )); then echo "repl-diskless-sync-max-replicas $REPLICAS_PER_SHARD"; fi
    echo "cluster-announce-ip $POD_IP"
    [[ -n "$ANNOUNCE_HOSTNAME" ]] && echo "cluster-announce-hostname $ANNOUNCE_HOSTNAME"
    [[ -n "$BIND_SOURCE_ADDR" ]] && echo "bind-source-addr $BIND_SOURCE_ADDR"
    if [[ -n "$acl" ]]; then
      printf '%s\n' "$acl"
    elif [[ -n "$REDIS_PASSWORD" ]]; then
      echo "requirepass $(conf_quote "$REDIS_PASSWORD")"
      echo "masterauth $(conf_quote "$REDIS_PASSWORD")"
    fi
  } > "$tmp"
  mv -f "$tmp" "$conf"
  log "wrote $conf (bind '$BIND_ADDRESS', announce $POD_IP${ANNOUNCE_HOSTNAME:+ / $ANNOUNCE_HOSTNAME}, $auth, tls $REDIS_TLS)"
}

# repair_nodes_conf : rewrite the addresses in nodes.conf by node ID. Sets PEER_COUNT.
PEER_COUNT=0
BACKED_UP=""
repair_nodes_conf() {
  local id addr flags master ip name my_id="" my_old="" my_master="" n_changed=0 waited=0
  local -a ids=() names=()
  local -A old_ip=() new_ip=() name_of=() owner_of_ip=() clear_addr=()

  while read -r id addr flags master _; do
    [[ -n "${id:-}" && "$id" != vars ]] || continue
    if [[ "$flags" == *myself* ]]; then
      my_id="$id"; my_old="$(addr_ip "$addr")"; my_master="$master"
      continue
    fi
    ids+=("$id"); old_ip["$id"]="$(addr_ip "$addr")"
    name="$(addr_host "$addr")"
    [[ -n "$name" ]] || name="$(map_name_of "$id")"
    name_of["$id"]="$name"
  done < "$NODES_CONF"
  [[ -n "$my_id" ]] || die "$NODES_CONF has no 'myself' line; it is corrupt. Move it away to start this node as a new node (see the chart README)"
  PEER_COUNT=${#ids[@]}
  if (( PEER_COUNT == 0 )); then
    log "nodes.conf knows no peer (node $my_id): this node never joined a cluster, or a scale-in removed it from one; it starts as a new node"
  fi

  if [[ "$my_old" == "$POD_IP" ]]; then
    log "own IP $POD_IP unchanged (node $my_id)"
  else
    log "own IP ${my_old:-<none>} -> $POD_IP (node $my_id)"
    new_ip["$my_id"]="$POD_IP"
  fi

  # Resolve every peer's stable name; wait (bounded) for names that do not resolve yet: after a
  # full restart the other pods get their IPs within seconds of this one.
  local -a pending=()
  for id in "${ids[@]}"; do
    if [[ -z "${name_of[$id]}" ]]; then
      log "peer node $id (last at ${old_ip[$id]:-<none>}) has no known stable name (no hostname in nodes.conf, not in peers.map); left as is"
    else
      pending+=("$id")
    fi
  done
  while :; do
    local -a still=()
    for id in "${pending[@]}"; do
      if ip="$(resolve "${name_of[$id]}")"; then new_ip["$id"]="$ip"; else still+=("$id"); fi
    done
    pending=("${still[@]}")
    (( ${#pending[@]} == 0 || waited >= RESOLVE_WAIT_SECONDS )) && break
    names=(); for id in "${pending[@]}"; do names+=("${name_of[$id]}"); done
    log "waiting for ${#pending[@]} peer name(s) to resolve (${waited}s/${RESOLVE_WAIT_SECONDS}s): ${names[*]}"
    sleep 1; waited=$(( waited + 1 ))
  done
  # Decide, log, and drop the no-op and unsafe changes.
  owner_of_ip["$POD_IP"]="$my_id"
  for id in "${ids[@]}"; do
    [[ -n "${new_ip[$id]:-}" ]] || continue
    ip="${new_ip[$id]}"
    if [[ -n "${owner_of_ip[$ip]:-}" ]]; then
      log "peer ${name_of[$id]} (node $id) resolves to $ip, which is already node ${owner_of_ip[$ip]}'s; stale DNS? leaving its address alone"
      unset 'new_ip[$id]'; continue
    fi
    owner_of_ip["$ip"]="$id"
    if [[ "$ip" == "${old_ip[$id]}" ]]; then
      log "peer ${name_of[$id]} (node $id) unchanged at $ip"
      unset 'new_ip[$id]'
    else
      log "peer ${name_of[$id]} (node $id) ${old_ip[$id]:-<noaddr>} -> $ip"
    fi
  done

  # Peers whose current IP is unknown keep their last address, unless that address is unsafe:
  # - it now belongs to another member (IPs get reused): redis would dial the wrong node;
  # - the peer is this replica's master: redis would replicate from whatever now answers on
  #   the old IP (measured: a replica full-resynced another shard's data that way).
  # Those get "noaddr": nobody dials them until the peer announces itself from its new IP
  # (its pings update every node) or rejoin MEETs it once its name resolves.
  for id in "${pending[@]}"; do
    ip="${old_ip[$id]}"
    if [[ -n "$ip" && -n "${owner_of_ip[$ip]:-}" ]]; then
      log "peer ${name_of[$id]} (node $id) does not resolve, and its last address $ip now belongs to node ${owner_of_ip[$ip]}; marking it noaddr until it announces itself"
      clear_addr["$id"]=1
    elif [[ -n "$ip" && "$id" == "$my_master" ]]; then
      log "peer ${name_of[$id]} (node $id), this replica's master, does not resolve; marking it noaddr so this replica cannot sync from whatever now answers on $ip"
      clear_addr["$id"]=1
    else
      log "peer ${name_of[$id]} (node $id) does not resolve; keeping its last address ${ip:-<none>} (it fixes its own address when it starts; rejoin MEETs it once it resolves)"
    fi
  done
  for id in "${ids[@]}"; do
    [[ -n "${name_of[$id]}" ]] && continue
    ip="${old_ip[$id]}"
    if [[ -n "$ip" && -n "${owner_of_ip[$ip]:-}" ]]; then
      log "node $id without a stable name was last at $ip, which now belongs to node ${owner_of_ip[$ip]}; marking it noaddr"
      clear_addr["$id"]=1
    fi
  done

  # Record what we know in the peers map (this node and every resolved peer).
  local entries
  entries="$(scratch_file)"
  TEMP_FILES+=("$entries")
  printf '%s %s %s\n' "$(self_name)" "$my_id" "$POD_IP" > "$entries"
  for id in "${ids[@]}"; do
    [[ -n "${name_of[$id]}" ]] || continue
    ip="${new_ip[$id]:-${old_ip[$id]}}"
    [[ -n "$ip" ]] && printf '%s %s %s\n' "${name_of[$id]}" "$id" "$ip" >> "$entries"
  done
  [[ "$(map_merge "$entries")" == changed ]] && log "updated $PEERS_MAP"
  rm -f "$entries"

  n_changed=$(( ${#new_ip[@]} + ${#clear_addr[@]} ))
  if (( n_changed == 0 )); then
    log "nodes.conf: all $(( PEER_COUNT + 1 )) addresses current; no change"
    return
  fi
  local repl tmp
  repl="$(scratch_file)"; TEMP_FILES+=("$repl")
  tmp="$(volume_temp "$NODES_CONF")"; TEMP_FILES+=("$tmp")
  for id in "${!new_ip[@]}"; do printf '%s %s\n' "$id" "${new_ip[$id]}" >> "$repl"; done
  for id in "${!clear_addr[@]}"; do printf '%s -\n' "$id" >> "$repl"; done
  # New IP: keep the ports (":0@0" of a noaddr node becomes the standard ports) and anything
  # after the address (",hostname,aux=..."), and drop the noaddr flag so redis dials it.
  # "-": the address becomes ":0@0" with the noaddr flag, exactly as redis writes it itself.
  awk -v repl="$repl" -v port="$REDIS_PORT" -v bus="$BUS_PORT" '
    BEGIN { while ((getline l < repl) > 0) { split(l, a, " "); nip[a[1]] = a[2] } }
    ($1 in nip) && nip[$1] == "-" {
      addr = $2; rest = ""
      c = index(addr, ","); if (c > 0) rest = substr(addr, c)
      $2 = ":0@0" rest
      if ($3 !~ /noaddr/) $3 = $3 ",noaddr"
      print; next
    }
    ($1 in nip) {
      addr = $2; rest = ""
      c = index(addr, ","); if (c > 0) { rest = substr(addr, c); addr = substr(addr, 1, c - 1) }
      at = index(addr, "@"); cport = substr(addr, at + 1); hp = substr(addr, 1, at - 1)
      n = split(hp, parts, ":"); p = parts[n]
      if (p == "" || p == "0") p = port
      if (cport == "" || cport == "0") cport = bus
      $2 = nip[$1] ":" p "@" cport rest
      f = $3; gsub(/,noaddr/, "", f); gsub(/noaddr,/, "", f); $3 = f
    }
    { print }' "$NODES_CONF" > "$tmp"
  cp -f "$NODES_CONF" "$NODES_CONF.before-start"; BACKED_UP=1
  mv -f "$tmp" "$NODES_CONF"
  rm -f "$repl"
  log "rewrote nodes.conf: ${#new_ip[@]} address(es) changed, ${#clear_addr[@]} cleared (previous copy: nodes.conf.before-start)"
}

# ---- data safety before start ------------------------------------------------------------------

# has_dataset : the volume holds a dataset redis would load (a non-empty AOF or RDB).
has_dataset() {
  local f
  for f in "$DATA_DIR"/appendonlydir/*.aof "$DATA_DIR"/appendonlydir/*.rdb "$DATA_DIR/dump.rdb" "$DATA_DIR/appendonly.aof"; do
    [[ -s "$f" ]] && return 0
  done
  return 1
}

# dataset_kind (data-lib.sh) : aof, rdb or none: what redis-server would load, and how current it is.

# rdb_offset : the replication offset recorded in dump.rdb (a full sync's RDB carries it), or 0.
rdb_offset() {
  local off
  off="$(timeout 60 "${REDIS_CHECK_RDB:-redis-check-rdb}" "$DATA_DIR/dump.rdb" 2>/dev/null | awk -F"'" '/AUX FIELD repl-offset/ { print $2; exit }')" || true
  is_uint "$off" && echo "$off" || echo 0
}

# read_self : MY_ID, MY_FLAGS, MY_EPOCH, MY_SLOTS ("0-5460 ..."), MY_CUR_EPOCH, MY_VOTE_EPOCH from nodes.conf.
read_self() {
  local line vars
  line="$(awk '$3 ~ /myself/ { print; exit }' "$NODES_CONF")"
  read -r MY_ID _ MY_FLAGS _ _ _ MY_EPOCH _ <<<"$line"
  MY_SLOTS="$(awk '$3 ~ /myself/ { s = ""; for (i = 9; i <= NF; i++) if ($i !~ /^\[/) s = s " " $i; print substr(s, 2); exit }' "$NODES_CONF")"
  vars="$(awk '$1 == "vars" { print; exit }' "$NODES_CONF")"
  MY_CUR_EPOCH="$(awk '{ for (i = 2; i < NF; i++) if ($i == "currentEpoch") print $(i + 1) }' <<<"$vars")"
  MY_VOTE_EPOCH="$(awk '{ for (i = 2; i < NF; i++) if ($i == "lastVoteEpoch") print $(i + 1) }' <<<"$vars")"
  is_uint "$MY_EPOCH" || MY_EPOCH=0
  is_uint "$MY_CUR_EPOCH" || MY_CUR_EPOCH=0
  is_uint "$MY_VOTE_EPOCH" || MY_VOTE_EPOCH=0
}

# query_peers DIR : every peer's CLUSTER NODES (all asked at once, PEER_QUERY_TIMEOUT each), one
# file per answering peer in DIR. Sets PEERS_ANSWERED.
query_peers() {
  local dir="$1" name i=0
  rm -f "$dir"/view.*
  while read -r name; do
    [[ "$name" == "$(self_name)" ]] && continue
    i=$(( i + 1 ))
    (
      ip="$(resolve "$name")" || exit 0
      [[ "$ip" == "$POD_IP" ]] && exit 0
      out="$(CLI_TIMEOUT=$PEER_QUERY_TIMEOUT rcli_ok "$ip" CLUSTER NODES)" || exit 0
      printf '%s\n' "$out" > "$dir/view.$i"
    ) &
  done < <(peer_names)
  wait || true
  PEERS_ANSWERED="$(find "$dir" -maxdepth 1 -name 'view.*' -size +0 | wc -l)"
}

# slot_owners DIR : for this node's slots, the owner with the highest config epoch in any peer's
# view; prints "<owner-id> <slots owned> <its config epoch>" per owner ("-": nobody).
slot_owners() {
  local dir="$1"
  awk -v myslots="$MY_SLOTS" '
    BEGIN { n = split(myslots, r, " "); for (i = 1; i <= n; i++) { m = split(r[i], ab, "-"); a = ab[1] + 0; b = (m > 1 ? ab[2] : ab[1]) + 0; for (s = a; s <= b; s++) mine[s] = 1 } }
    $3 ~ /master/ && $3 !~ /handshake/ {
      for (i = 9; i <= NF; i++) {
        if ($i ~ /^\[/) continue
        m = split($i, ab, "-"); a = ab[1] + 0; b = (m > 1 ? ab[2] : ab[1]) + 0
        for (s = a; s <= b; s++) if (s in mine && (!(s in ep) || $7 + 0 > ep[s])) { ep[s] = $7 + 0; own[s] = $1 }
      }
    }
    END { for (s in mine) { o = (s in own) ? own[s] : "-"; cnt[o]++; oe[o] = (s in ep) ? ep[s] : 0 } for (o in cnt) print o, cnt[o], oe[o] }' "$dir"/view.* 2>/dev/null | sort -k2,2nr
}

# node_ips DIR ID : candidate current IPs of node ID: its announced stable name, resolved now, then
# the addresses peers have for it (no noaddr).
node_ips() {
  local dir="$1" id="$2" addr host
  {
    while read -r addr; do
      host="$(addr_host "$addr")"
      if [[ -n "$host" ]]; then resolve "$host" || true; fi
    done < <(awk -v id="$id" '$1 == id { print $2 }' "$dir"/view.* 2>/dev/null | sort -u)
    awk -v id="$id" '$1 == id && $3 !~ /noaddr/ { print $2 }' "$dir"/view.* 2>/dev/null | while read -r addr; do addr_ip "$addr"; done
  } | awk 'NF && !seen[$0]++'
}

# reach_node DIR ID : prints the IP where node ID answers as itself, or fails.
reach_node() {
  local ip
  while read -r ip; do
    [[ -n "$ip" && "$ip" != "$POD_IP" ]] || continue
    [[ "$(CLI_TIMEOUT=$PEER_QUERY_TIMEOUT rcli_ok "$ip" CLUSTER MYID)" == "$2" ]] && { printf '%s\n' "$ip"; return 0; }
  done < <(node_ips "$1" "$2")
  return 1
}

# become_replica_of OWNER_ID OWNER_IP : rebuilds nodes.conf from the owner's live view, with this
# node as its replica owning no slots (case a). Fails when the owner does not confirm.
become_replica_of() {
  local owner="$1" ip="$2" nodes info cur myaddr tmp
  nodes="$(rcli_ok "$ip" CLUSTER NODES)" || return 1
  [[ "$(awk '$3 ~ /myself/ { print $1 }' <<<"$nodes")" == "$owner" ]] || return 1
  awk -v o="$owner" '$1 == o && $3 ~ /master/ && NF > 8 { ok = 1 } END { exit !ok }' <<<"$nodes" || return 1
  info="$(rcli_ok "$ip" CLUSTER INFO)" || return 1
  cur="$(field "$info" cluster_current_epoch)"; is_uint "$cur" || cur=0
  (( cur > MY_CUR_EPOCH )) || cur="$MY_CUR_EPOCH"
  myaddr="$POD_IP:$REDIS_PORT@$BUS_PORT${ANNOUNCE_HOSTNAME:+,$ANNOUNCE_HOSTNAME}"
  tmp="$(volume_temp "$NODES_CONF")"; TEMP_FILES+=("$tmp")
  awk -v me="$MY_ID" -v owner="$owner" -v myaddr="$myaddr" -v myepoch="$MY_EPOCH" -v cur="$cur" -v vote="$MY_VOTE_EPOCH" '
    BEGIN { print me, myaddr, "myself,slave", owner, 0, 0, myepoch, "connected" }
    NF < 8 || $1 == me || $3 ~ /handshake/ { next }
    { f = $3; gsub(/myself,/, "", f); gsub(/,myself/, "", f); $3 = f; print }
    END { print "vars currentEpoch", cur, "lastVoteEpoch", vote }' <<<"$nodes" > "$tmp"
  [[ -n "$BACKED_UP" ]] || { cp -f "$NODES_CONF" "$NODES_CONF.before-start"; BACKED_UP=1; }
  mv -f "$tmp" "$NODES_CONF"
}

# ---- a dataset without a cluster identity (nodes.conf lost, volume kept) ------------------------
# redis-server started on a dataset with an empty cluster config claims every slot it holds keys
# for ("I have keys for unassigned slot"): while the cluster still runs, that is a second master
# for those slots. So before such a start, find out who this node was.

# my_old_id DIR : this pod's node ID in the cluster, from peers.map or from a peer's view that
# lists a node announcing this pod's stable name ("" when the cluster does not know it).
my_old_id() {
  local id
  id="$(map_id_of "$(self_name)")"
  if [[ -n "$id" ]] && grep -qh "^$id " "$1"/view.* 2>/dev/null; then printf '%s\n' "$id"; return; fi
  awk -v me="$(self_name)" '{ n = split($2, a, ","); if (n > 1 && a[2] == me && $3 !~ /handshake/) { print $1; exit } }' "$1"/view.* 2>/dev/null
}

# adopt_identity ID DIR : rebuilds nodes.conf from a live peer's view with this node as ID at its
# current IP, keeping the role and slots the cluster gives ID (the normal checks of a node with a
# nodes.conf run next). Fails when no peer confirms its view.
adopt_identity() {
  local id="$1" dir="$2" f ip nodes info cur myaddr tmp
  for f in "$dir"/view.*; do
    ip="$(awk '$3 ~ /myself/ { print $2; exit }' "$f")"; ip="$(addr_ip "$ip")"
    [[ -n "$ip" ]] || continue
    nodes="$(rcli_ok "$ip" CLUSTER NODES)" || continue
    awk -v id="$id" '$1 == id { ok = 1 } END { exit !ok }' <<<"$nodes" || continue
    info="$(rcli_ok "$ip" CLUSTER INFO)" || continue
    cur="$(field "$info" cluster_current_epoch)"; is_uint "$cur" || cur=0
    myaddr="$POD_IP:$REDIS_PORT@$BUS_PORT${ANNOUNCE_HOSTNAME:+,$ANNOUNCE_HOSTNAME}"
    tmp="$(volume_temp "$NODES_CONF")"; TEMP_FILES+=("$tmp")
    awk -v me="$id" -v myaddr="$myaddr" -v cur="$cur" '
      NF < 8 || $3 ~ /handshake/ { next }
      $1 == me {
        f = $3; gsub(/(^|,)(fail\?|fail|noaddr|myself)/, "", f); sub(/^,/, "", f)
        $2 = myaddr; $3 = "myself," f; print; next
      }
      { f = $3; gsub(/myself,/, "", f); gsub(/,myself/, "", f); $3 = f; print }
      END { print "vars currentEpoch", cur, "lastVoteEpoch 0" }' <<<"$nodes" > "$tmp"
    mv -f "$tmp" "$NODES_CONF"
    log "data: nodes.conf was missing but the volume holds a dataset; the cluster knows this pod as node $id ($(awk -v id="$id" '$1 == id { print $3; exit }' <<<"$nodes")): rebuilt nodes.conf from the view of $ip with that identity, so redis-server never claims the slots of its keys as a new node"
    return 0
  done
  return 1
}

# set_dataset_aside : moves the data files into $DATA_DIR/set-aside/ (one generation is kept)
# so the node starts empty and joins as a new node; nothing is deleted.
set_dataset_aside() {
  local aside="$DATA_DIR/set-aside" f moved=()
  rm -rf "$aside"; mkdir -p "$aside"
  for f in appendonlydir dump.rdb appendonly.aof; do
    [[ -e "$DATA_DIR/$f" ]] || continue
    mv -f "$DATA_DIR/$f" "$aside/$f"; moved+=("$f")
  done
  printf '%s %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$1" > "$aside/WHY"
  log "data: moved ${moved[*]:-nothing} to $aside ($1); this node starts empty and joins the cluster as a new node (its replica copy comes from its master); delete $aside once the cluster is healthy"
}

# recover_identity : no nodes.conf (or one that knows no peer). If the running cluster knows this
# pod (peers.map, or a node announcing its stable name), take that identity back, so the usual
# checks of a node with a nodes.conf run (and an old master's slots are handed to the replica that
# holds their data, instead of waiting for votes a majority-less cluster cannot give). With a
# dataset on the volume this is required, not just tidier: see the header of this section.
recover_identity() {
  local views reason id data=no
  has_dataset && data=yes
  if [[ -e "$DATA_DIR/restored-from" ]]; then
    log "data: a dataset restored from a backup set and no cluster config yet (restored-from marker): a new cluster's first start, the bootstrap Job assigns the slots"
    return 0
  fi
  views="$(mktemp -d "$SCRATCH_DIR/redis-cluster.start-node.tmp-$$-XXXXXX")"; TEMP_FILES+=("$views")
  log "data: no usable nodes.conf (dataset on the volume: $data); asking the peers whether a cluster exists and who this pod was before redis-server starts"
  while :; do
    query_peers "$views"
    if (( PEERS_ANSWERED > 0 )); then
      if ! awk 'NF > 8 && $3 ~ /master/ { found = 1 } END { exit !found }' "$views"/view.* 2>/dev/null; then
        log "data: $PEERS_ANSWERED peer(s) answered and none has a slot assigned: no cluster exists yet; starting as a new node (the bootstrap Job creates the cluster)"
        return 0
      fi
      id="$(my_old_id "$views")"
      if [[ -n "$id" ]] && awk -v id="$id" '$1 == id && $3 ~ /master/ && NF <= 8 { slotless = 1 } END { exit !slotless }' "$views"/view.*; then
        # A master without slots holds nothing the cluster needs (its slots moved on): join anew.
        if [[ "$data" == yes ]]; then set_dataset_aside "the cluster knows this pod as node $id, a master that owns no slot any more (its slots moved on); its dataset is not the shard's copy"; fi
        log "data: the cluster knows this pod as node $id, a master without slots; starting as a new node (join-cluster joins it, the bootstrap Job forgets $id)"
        return 0
      fi
      if [[ -n "$id" ]]; then
        if adopt_identity "$id" "$views"; then
          repair_nodes_conf
          decide_start
          return 0
        fi
        reason="the cluster knows this pod as node $id, but no peer confirmed its view yet"
      elif [[ "$data" == yes ]]; then
        set_dataset_aside "nodes.conf was lost and the running cluster does not know this pod's stable name $(self_name): the dataset cannot be attributed to a node, and loading it as a new node would claim the slots of its keys"
        return 0
      else
        log "data: the running cluster does not know this pod's stable name $(self_name): a new node (scale-out, or a node the cluster forgot); join-cluster joins it"
        return 0
      fi
    elif [[ "$data" == no ]]; then
      log "data: no peer answers yet and the volume holds no dataset: starting as a new node (it can claim nothing; join-cluster joins it once a cluster exists)"
      return 0
    else
      reason="no nodes.conf but a dataset on the volume, and no peer answers yet to say whether a cluster exists and who this pod was (starting now could claim slots another master owns)"
    fi
    if [[ -e "$FORCE_START" ]]; then
      rm -f "$FORCE_START"
      record_data_loss "force-start override ($FORCE_START) by the operator while waiting safely ($reason): starting on the dataset without a cluster identity"
      return 0
    fi
    status_wait "$reason"
  done
}

# status_wait REASON : one round of waiting safely: start-status, a log line per back-off step, sleep.
WAIT_NEXT_LOG=0 WAIT_STEP=1 WAIT_START=""
status_wait() {
  local reason="$1"
  [[ -n "$WAIT_START" ]] || WAIT_START=$SECONDS
  mkdir -p "$RUNTIME_DIR"
  printf 'waiting safely: %s\n' "$reason" | write_atomic "$START_STATUS" || true
  if (( SECONDS >= WAIT_NEXT_LOG )); then
    log "waiting safely: $reason (waiting for $(( SECONDS - WAIT_START ))s; next log line in ${WAIT_STEP}s at most; override: touch $FORCE_START)"
    WAIT_NEXT_LOG=$(( SECONDS + WAIT_STEP ))
    WAIT_STEP=$(( WAIT_STEP * 2 > START_BACKOFF_MAX_SECONDS ? START_BACKOFF_MAX_SECONDS : WAIT_STEP * 2 ))
  fi
  sleep "$START_WAIT_INTERVAL"
}

# decide_start : cases (a), (b), (c) of the header, for a master that owns slots in nodes.conf.
# Returns once it is safe to start redis-server (nodes.conf possibly rebuilt as a replica).
decide_start() {
  read_self
  if [[ "$MY_FLAGS" != *master* || -z "$MY_SLOTS" ]]; then
    if ! has_dataset; then log "data: no dataset on the volume; this node is not a master of slots (${MY_FLAGS}), so it starts and resyncs from its master"; fi
    return 0
  fi
  local dataset views reason owner count epoch total other_cnt other best_ip best_off best_id id ip repl off keys mine=0
  local last_failover=-1000 replicas unreachable empty
  dataset="$(dataset_kind)"
  [[ "$dataset" == rdb ]] && mine="$(rdb_offset)"
  views="$(mktemp -d "$SCRATCH_DIR/redis-cluster.start-node.tmp-$$-XXXXXX")"; TEMP_FILES+=("$views")
  total="$(awk -v myslots="$MY_SLOTS" 'BEGIN { n = split(myslots, r, " "); for (i = 1; i <= n; i++) { m = split(r[i], ab, "-"); t += (m > 1 ? ab[2] - ab[1] + 1 : 1) } print t + 0 }')"
  log "data: nodes.conf says this node ($MY_ID) is a master of slots $MY_SLOTS (config epoch $MY_EPOCH); dataset on the volume: $dataset; asking the peers who owns those slots now"
  while :; do
    query_peers "$views"
    if (( PEERS_ANSWERED == 0 )); then
      # (c) nobody to ask.
      if [[ "$dataset" != none ]]; then
        log "data: no peer answers (a full restart?); starting with this node's dataset ($dataset) as the master of its slots"
        return 0
      fi
      reason="master of slots $MY_SLOTS without a dataset on its volume, and no peer answers yet to say who owns those slots"
    else
      # (a) someone else owns my slots at a higher config epoch?
      other_cnt=0 owner="" count=0 epoch=0
      while read -r id count epoch; do
        if [[ "$id" == "$MY_ID" || "$id" == - ]] || (( epoch <= MY_EPOCH )); then continue; fi
        other_cnt=$(( other_cnt + count ))
        [[ -n "$owner" ]] || { owner="$id"; other="$count/$epoch"; }
      done < <(slot_owners "$views")
      if [[ -n "$owner" ]] && (( other_cnt == total )); then
        if ip="$(reach_node "$views" "$owner")" && become_replica_of "$owner" "$ip"; then
          log "data: node $owner ($ip) owns this node's slots at config epoch ${other#*/} > $MY_EPOCH (a failover happened); rewrote nodes.conf so this node starts as its replica, claiming no slot (dataset on the volume: $dataset; previous copy: nodes.conf.before-start)"
          return 0
        fi
        reason="node $owner owns this node's slots at a higher config epoch, but it does not answer yet to give its view of the cluster"
      elif [[ "$dataset" == aof ]]; then
        log "data: $PEERS_ANSWERED peer(s) answered; this node still owns its slots and has its append-only file; starting as their master"
        return 0
      else
        # (b) I still own the slots, and I have no current data: nothing, or only an RDB snapshot
        # (offset $mine), which a replica that stayed connected has outrun. Do my replicas hold more?
        replicas="$(awk -v me="$MY_ID" '$4 == me && $3 ~ /slave/ && $3 !~ /handshake/ { print $1 }' "$views"/view.* | sort -u | paste -sd' ' -)"
        best_id="" best_ip="" best_off=-1 unreachable="" empty=""
        for id in $replicas; do
          if ! ip="$(reach_node "$views" "$id")"; then unreachable+=" $id"; continue; fi
          repl="$(CLI_TIMEOUT=$PEER_QUERY_TIMEOUT rcli_ok "$ip" INFO replication)" || { unreachable+=" $id"; continue; }
          keys="$(CLI_TIMEOUT=$PEER_QUERY_TIMEOUT rcli_ok "$ip" DBSIZE)" || keys=0
          off="$(field "$repl" master_repl_offset)"; is_uint "$off" || off=0; is_uint "$keys" || keys=0
          if (( keys > 0 || off > 0 )); then
            if (( off > best_off )); then best_id="$id"; best_ip="$ip"; best_off="$off"; fi
          else
            empty+=" $id"
          fi
        done
        if [[ "$dataset" == rdb && -n "$best_id" ]] && (( mine > 0 && best_off <= mine )); then
          log "data: this node's RDB (replication offset $mine) is at least as new as its best replica $best_id (offset $best_off); starting with it as the master of its slots"
          return 0
        fi
        if [[ "$dataset" == rdb && -z "$best_id" && -z "$unreachable" ]]; then
          record_data_loss "node $MY_ID ($(self_name)) restarted as master of slots $MY_SLOTS with only an RDB snapshot (replication offset $mine, written $(date -u -r "$DATA_DIR/dump.rdb" '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null || echo '?')) and no replica holding data: writes after that snapshot are gone"
          rm -f "$START_STATUS"
          return 0
        fi
        if [[ -n "$best_id" ]]; then
          if (( SECONDS - last_failover >= FAILOVER_RETRY_SECONDS )); then
            if (( last_failover < 0 )); then
              log "data: this node has no current dataset ($dataset${mine:+, RDB offset $mine}) but still owns slots $MY_SLOTS; its replica $best_id ($best_ip, offset $best_off) holds newer data: CLUSTER FAILOVER FORCE on it: $(rcli "$best_ip" CLUSTER FAILOVER FORCE | head -n 1)"
            else
              # FORCE needs a majority of the masters to vote; with several masters down at once there
              # is none. TAKEOVER needs no vote, and it is safe here: the master it replaces is this
              # very node, and it is provably not running (its start script is still deciding).
              log "data: replica $best_id ($best_ip) still does not own slots $MY_SLOTS ${FAILOVER_RETRY_SECONDS}s after CLUSTER FAILOVER FORCE (no majority of masters to vote?); the master it replaces is this node, which is not running: CLUSTER FAILOVER TAKEOVER on it: $(rcli "$best_ip" CLUSTER FAILOVER TAKEOVER | head -n 1)"
            fi
            last_failover=$SECONDS
          fi
          reason="replica $best_id ($best_ip) holds this shard's data; waiting until it owns the slots (CLUSTER FAILOVER FORCE sent)"
        elif [[ -z "$unreachable" ]]; then
          record_data_loss "node $MY_ID ($(self_name)) restarted without its dataset while still master of slots $MY_SLOTS, and ${replicas:+every replica is empty (${empty# })}${replicas:-it has no replica}; starting as an EMPTY master of those slots: the shard's data is gone (restore from a backup if needed)"
          rm -f "$START_STATUS"
          return 0
        else
          reason="master of slots $MY_SLOTS without a dataset; replica(s)${unreachable} do not answer and no reachable replica holds data; starting now would make them resync an empty dataset"
        fi
      fi
    fi
    if [[ -e "$FORCE_START" ]]; then
      rm -f "$FORCE_START"
      record_data_loss "force-start override ($FORCE_START) by the operator while waiting safely ($reason): node $MY_ID starts as the master of slots $MY_SLOTS with dataset on the volume: $dataset"
      return 0
    fi
    status_wait "$reason"
  done
}

# align_shard_ids : Valkey records a shard-id per node in nodes.conf and refuses to start
# ("corrupted cluster config file") when a replica's shard-id differs from its master's. A node
# killed within milliseconds of becoming a replica of another shard leaves exactly that (measured on
# Valkey 8.0.1). The master's shard-id is the shard's, so each replica line takes it; Redis 7.0
# writes no shard-id and is left as is.
align_shard_ids() {
  local tmp changed
  grep -q 'shard-id=' "$NODES_CONF" 2>/dev/null || return 0
  tmp="$(volume_temp "$NODES_CONF")"; TEMP_FILES+=("$tmp")
  awk 'NR == FNR { if ($1 != "vars" && match($2, /shard-id=[0-9a-f]+/)) sid[$1] = substr($2, RSTART + 9, RLENGTH - 9); next }
    $1 != "vars" && $3 ~ /slave/ && ($4 in sid) && match($2, /shard-id=[0-9a-f]+/) && substr($2, RSTART + 9, RLENGTH - 9) != sid[$4] {
      sub(/shard-id=[0-9a-f]+/, "shard-id=" sid[$4], $2); n++
    }
    { print }
    END { print n + 0 > "/dev/stderr" }' "$NODES_CONF" "$NODES_CONF" > "$tmp" 2> "$tmp.count"
  changed="$(cat "$tmp.count" 2>/dev/null)"; rm -f "$tmp.count"
  if [[ "$changed" =~ ^[1-9][0-9]*$ ]]; then
    mv -f "$tmp" "$NODES_CONF"
    log "nodes.conf: $changed replica line(s) carried another shard-id than their master's (a node killed just after it changed masters); set to the master's, which Valkey requires to load the file"
  else
    rm -f "$tmp"
  fi
}

# hold_failover_if_empty : a node that starts with no dataset on its volume must never be promoted
# by an automatic failover before it has synced from a master: with cluster-replica-validity-factor 0
# an empty replica can win the election while its master is down, and the shard's data would then
# be gone without anyone saying so (its master, back with its data, would follow the empty node).
# So it starts with cluster-replica-no-failover yes, and rejoin.sh lifts that once the node is an
# in-sync replica or a master. Manual failovers (preStop, FAILOVER FORCE/TAKEOVER) are not affected.
hold_failover_if_empty() {
  rm -f "$NO_FAILOVER_HOLD"
  has_dataset && return 0
  if [[ "$REJOIN" != "yes" ]]; then
    log "data: no dataset on the volume; REJOIN=no, so nothing would lift a failover hold: not holding (an automatic failover may promote this node before it synced)"
    return 0
  fi
  printf 'cluster-replica-no-failover yes\n' >> "$RUNTIME_DIR/redis.conf"
  : > "$NO_FAILOVER_HOLD"
  log "data: no dataset on the volume: this node starts with cluster-replica-no-failover yes, so no automatic failover promotes it before it has synced from a master (rejoin.sh lifts the hold then)"
}

main() {
  log "pod $POD_NAME ($(self_name)) IP $POD_IP; cluster of $(cluster_size) pods ($SHARDS shards x $(group_size))"
  mkdir -p "$DATA_DIR" "$RUNTIME_DIR"
  rm -f "$START_STATUS"   # from an earlier run of this container (the runtime dir outlives it)
  sweep_stale_temps
  write_runtime_conf
  if [[ -s "$NODES_CONF" ]]; then
    log "found nodes.conf; repairing the addresses in it before start"
    repair_nodes_conf
    decide_start
    read_self
    PEER_COUNT="$(awk '$1 != "vars" && NF >= 8 && $3 !~ /myself/' "$NODES_CONF" | wc -l)"
  else
    log "no nodes.conf: new node; the bootstrap Job creates the cluster or joins this node to it"
  fi
  if (( PEER_COUNT == 0 )); then
    recover_identity
    if [[ -s "$NODES_CONF" ]]; then
      PEER_COUNT="$(awk '$1 != "vars" && NF >= 8 && $3 !~ /myself/' "$NODES_CONF" | wc -l)"
    fi
  fi
  rm -f "$START_STATUS"
  if [[ -e "$FORCE_START" ]]; then
    rm -f "$FORCE_START"
    log "found $FORCE_START, but this start did not have to wait; removed it (it only ends a safe wait)"
  fi
  if [[ "$REJOIN" == "yes" ]]; then
    "$(dirname "$0")/rejoin.sh" &
    log "started rejoin helper (pid $!) for the life of the pod: MEETs known peers whose current address this node does not know"
    if (( PEER_COUNT == 0 )); then
      # A new node: no nodes.conf, or a nodes.conf that knows no peer. Redis writes nodes.conf at
      # its first start, so a pod whose volume was lost and that restarts before it was joined
      # has one that knows only itself; so does a node a scale-in removed (CLUSTER RESET) whose
      # retained volume a later scale-out brings back. Both must be joined like a new node.
      "$(dirname "$0")/join-cluster.sh" &
      log "started join-cluster helper (pid $!): joins this new node if a complete cluster already exists"
    fi
  fi
  [[ -s "$NODES_CONF" ]] && align_shard_ids
  hold_failover_if_empty
  cleanup_temps
  log "exec $REDIS_SERVER $RUNTIME_DIR/redis.conf"
  exec "$REDIS_SERVER" "$RUNTIME_DIR/redis.conf"
}

main "$@"
