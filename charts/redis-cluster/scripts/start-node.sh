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
#  3. Starts a helper in the background and execs redis-server. The helper is rejoin.sh for a
#     node with a cluster config (CLUSTER MEET of peers whose current address it does not know:
#     method B, the complement for peers that did not resolve in time), or join-cluster.sh for a
#     new node, i.e. no nodes.conf or one that knows no peer (joins it when a complete cluster
#     already exists: a lost volume, no persistence, a scale-out).
#
# Extra environment (see lib.sh for the shared contract):
#   BIND_ADDRESS          "* -::*"   redis `bind` (tests bind each "pod" to its own 127.0.0.x)
#   BIND_SOURCE_ADDR      ""         redis `bind-source-addr` (tests: the pod's 127.0.0.x)
#   ANNOUNCE_HOSTNAME     <pod>.<headless>  `cluster-announce-hostname`; "" disables it
#   RESOLVE_WAIT_SECONDS  10         how long to wait for peer names to resolve before starting
#   REJOIN                yes        "no" disables the background helpers (rejoin, join-cluster)
set -euo pipefail
SCRIPT_NAME="start-node"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${BIND_ADDRESS:=* -::*}"
: "${BIND_SOURCE_ADDR:=}"
: "${RESOLVE_WAIT_SECONDS:=10}"
: "${REJOIN:=yes}"
ANNOUNCE_HOSTNAME="${ANNOUNCE_HOSTNAME-$(self_name)}"

[[ -n "$POD_IP" ]] || die "POD_IP is empty: the pod must get it from the downward API (status.podIP)"
NODES_CONF="$DATA_DIR/nodes.conf"

# conf_quote VALUE : VALUE as a double-quoted redis.conf argument.
conf_quote() {
  local v="$1"
  v="${v//\\/\\\\}"; v="${v//\"/\\\"}"; v="${v//$'\n'/\\n}"; v="${v//$'\r'/\\r}"
  printf '"%s"' "$v"
}

write_runtime_conf() {
  local conf="$RUNTIME_DIR/redis.conf" tmp
  mkdir -p "$RUNTIME_DIR"
  tmp="$(umask 077; mktemp "$conf.XXXXXX")"
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
    echo "cluster-announce-ip $POD_IP"
    [[ -n "$ANNOUNCE_HOSTNAME" ]] && echo "cluster-announce-hostname $ANNOUNCE_HOSTNAME"
    [[ -n "$BIND_SOURCE_ADDR" ]] && echo "bind-source-addr $BIND_SOURCE_ADDR"
    if [[ -n "$REDIS_PASSWORD" ]]; then
      echo "requirepass $(conf_quote "$REDIS_PASSWORD")"
      echo "masterauth $(conf_quote "$REDIS_PASSWORD")"
    fi
  } > "$tmp"
  mv -f "$tmp" "$conf"
  log "wrote $conf (bind '$BIND_ADDRESS', announce $POD_IP${ANNOUNCE_HOSTNAME:+ / $ANNOUNCE_HOSTNAME}, auth $([[ -n "$REDIS_PASSWORD" ]] && echo on || echo off), tls $REDIS_TLS)"
}

# repair_nodes_conf : rewrite the addresses in nodes.conf by node ID. Sets PEER_COUNT.
PEER_COUNT=0
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
  entries="$(mktemp "$DATA_DIR/.peers.XXXXXX")"
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
  repl="$(mktemp "$DATA_DIR/.repl.XXXXXX")"; tmp="$(mktemp "$NODES_CONF.XXXXXX")"
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
  cp -f "$NODES_CONF" "$NODES_CONF.before-start"
  mv -f "$tmp" "$NODES_CONF"
  rm -f "$repl"
  log "rewrote nodes.conf: ${#new_ip[@]} address(es) changed, ${#clear_addr[@]} cleared (previous copy: nodes.conf.before-start)"
}

main() {
  log "pod $POD_NAME ($(self_name)) IP $POD_IP; cluster of $(cluster_size) pods ($SHARDS shards x $(group_size))"
  mkdir -p "$DATA_DIR"
  write_runtime_conf
  if [[ -s "$NODES_CONF" ]]; then
    log "found nodes.conf; repairing the addresses in it before start"
    repair_nodes_conf
  else
    log "no nodes.conf: new node; the bootstrap Job creates the cluster or joins this node to it"
  fi
  if [[ "$REJOIN" == "yes" ]]; then
    if (( PEER_COUNT > 0 )); then
      "$(dirname "$0")/rejoin.sh" &
      log "started rejoin helper (pid $!) to MEET peers whose current address this node does not know yet"
    else
      # A new node: no nodes.conf, or a nodes.conf that knows no peer. Redis writes nodes.conf at
      # its first start, so a pod whose volume was lost and that restarts before it was joined
      # has one that knows only itself; so does a node a scale-in removed (CLUSTER RESET) whose
      # retained volume a later scale-out brings back. Both must be joined like a new node.
      "$(dirname "$0")/join-cluster.sh" &
      log "started join-cluster helper (pid $!): joins this new node if a complete cluster already exists"
    fi
  fi
  log "exec $REDIS_SERVER $RUNTIME_DIR/redis.conf"
  exec "$REDIS_SERVER" "$RUNTIME_DIR/redis.conf"
}

main "$@"
