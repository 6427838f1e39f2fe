#!/usr/bin/env bash
# start-sentinel.sh: the container command of every Sentinel pod.
#
# Writes $RUNTIME_DIR/sentinel.conf (a writable copy of the base sentinel.conf, because Sentinel
# rewrites its own config file, plus what only the pod knows) and execs redis-sentinel.
#
# Which master to monitor: the CURRENT one, never a fixed pod.
#   1. Ask the other Sentinels (`SENTINEL MASTER <set>`): the address with the newest
#      config-epoch, if it answers ROLE master. If it does not answer (a failover in progress),
#      ask again for up to SENTINEL_PEER_WAIT_SECONDS.
#   2. Else ask every Redis pod ROLE: the pod that answers master (with the most replicas and
#      the highest offset when, wrongly, several do).
#   3. Else the master that the running replicas report (ROLE slave <host> <port>, a majority of
#      the replicas that answer), EVEN IF IT IS DOWN, with those replicas as `known-replica`: the
#      Sentinels then see it down and their own failover promotes the replica with the best
#      offset. (Monitoring a replica instead would make every failover abort with "no good
#      slave", and the group would never get a writable master again.)
#   4. Else (no Redis pod answers, or only candidates that are still electing a master by data):
#      never guess (not pod 0): wait safely and ask again every second, logging with back-off and
#      writing "waiting safely: <reason>" to $RUNTIME_DIR/start-status.
#
# Identity: `sentinel myid` is derived from the pod's stable name (sha1), so a Sentinel that comes
# back on a new IP keeps its ID and its peers replace its old address (+sentinel-address-switch)
# instead of keeping a dead entry. Dead entries would count in the failover majority: with 3
# Sentinels plus 3 stale entries a leader needs 4 votes and no failover could ever happen.
#
# Extra environment (see lib.sh for the shared contract):
#   BIND_ADDRESS                "* -::*"  Sentinel `bind` (tests: the pod's 127.x.y.z)
#   SENTINEL_PEER_WAIT_SECONDS  2 x down-after + 10   how long a master named by the peers may
#                                         stay unreachable before the Redis pods are asked
set -euo pipefail
SCRIPT_NAME="start-sentinel"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=acl-lib.sh
. "$(dirname "$0")/acl-lib.sh"

: "${BIND_ADDRESS:=* -::*}"
: "${SENTINEL_PEER_WAIT_SECONDS:=$(( DOWN_AFTER_MS * 2 / 1000 + 10 ))}"

[[ -n "$POD_IP" ]] || die "POD_IP is empty: the pod must get it from the downward API (status.podIP)"
SELF_NAME="$(sentinel_stable_name "$POD_NAME")"
if yes_ "$ANNOUNCE_HOSTNAMES"; then ANNOUNCE="$SELF_NAME"; else ANNOUNCE="$POD_IP"; fi
MYID="$(printf '%s' "$SELF_NAME" | sha1sum | cut -c1-40)"

MASTER_HOST="" MASTER_PORT="$REDIS_PORT" KNOWN_REPLICAS=""
trap 'cleanup_tmp' EXIT

# best_redis_master : "<ip> <name> <replicas> <offset>" of the Redis pod answering ROLE master
# with the most replicas, then the highest offset.
best_redis_master() {
  local name ip role n off
  while read -r name; do
    ip="$(resolve "$name")" || continue
    read -r role n _ <<<"$(role_of "$ip")"
    [[ "$role" == master ]] || continue
    off="$(field "$(rcli "$ip" INFO replication)" master_repl_offset)"
    printf '%s %s %s %s\n' "$ip" "$name" "${n:-0}" "${off:-0}"
  done < <(redis_hosts) | sort -k3,3nr -k4,4nr | sed -n 1p
}

# reported_master : sets REPORTED to "<host> <port> <votes> <replicas>" of the master address that a
# majority of the answering replicas follow (candidates excluded), with the replicas' announce
# addresses comma-separated ("" when there is none); REDIS_SURVEY summarises every pod for the log.
REDIS_SURVEY="" REPORTED=""
reported_master() {
  local name ip role rest mh mp n=0
  local -A votes=() reps=()
  REDIS_SURVEY="" REPORTED=""
  while read -r name; do
    if ! ip="$(resolve "$name")"; then REDIS_SURVEY+="$(short "$name"): does not resolve; "; continue; fi
    read -r role rest <<<"$(role_of "$ip")"
    if [[ "$role" != slave ]]; then REDIS_SURVEY+="$(short "$name"): $role ${rest%% *}; "; continue; fi
    read -r mh mp _ <<<"$rest"
    if is_candidate_master "$mh" "$mp"; then REDIS_SURVEY+="$(short "$name"): candidate (electing by data); "; continue; fi
    REDIS_SURVEY+="$(short "$name"): replica of $mh:$mp; "
    n=$(( n + 1 ))
    votes["$mh $mp"]=$(( ${votes["$mh $mp"]:-0} + 1 ))
    reps["$mh $mp"]+="$(monitor_host "$ip" "$name"),"
  done < <(redis_hosts)
  REDIS_SURVEY="${REDIS_SURVEY%; }"
  local k best="" top=0
  for k in "${!votes[@]}"; do
    (( ${votes[$k]} > top )) && { top=${votes[$k]}; best="$k"; }
  done
  [[ -n "$best" ]] && (( top * 2 > n )) || return 0
  # The reported master must not itself be a candidate (then the election decides).
  local m_ip; m_ip="$(resolve "${best% *}" 2>/dev/null || true)"
  if [[ -n "$m_ip" ]]; then
    read -r role mh mp _ <<<"$(role_of "$m_ip")"
    [[ "$role" == slave ]] && is_candidate_master "$mh" "$mp" && return 0
  fi
  REPORTED="$best $top ${reps[$best]%,}"
}

# monitor_host IP NAME : what to put in `sentinel monitor`: the stable name when names are
# announced (Sentinel re-resolves it when the pod moves), else the IP.
monitor_host() { if yes_ "$ANNOUNCE_HOSTNAMES" && [[ -n "$2" ]]; then printf '%s\n' "$2"; else printf '%s\n' "$1"; fi; }

choose_master() {
  local start=$SECONDS elapsed m_ip role best ip name n
  while :; do
    elapsed=$(( SECONDS - start ))
    ask_sentinels_except "$SELF_NAME"
    if [[ -n "$V_HOST" ]]; then
      m_ip="$(resolve "$V_HOST" 2>/dev/null || true)"
      role="$([[ -n "$m_ip" ]] && role_of "$m_ip" || echo "down does not resolve")"
      if [[ "$role" == master* ]]; then
        MASTER_HOST="$V_HOST" MASTER_PORT="$V_PORT"
        log "$V_VOTES of $S_KNOWN peer Sentinel(s) report master $V_HOST:$V_PORT (config-epoch $V_EPOCH), and it answers ROLE master: monitoring it"
        return
      fi
      if (( elapsed < SENTINEL_PEER_WAIT_SECONDS )); then
        (( elapsed == 0 )) && log "peer Sentinels report master $V_HOST:$V_PORT (config-epoch $V_EPOCH, flags $V_FLAGS), but it answers '${role}': a failover in progress? asking again for up to ${SENTINEL_PEER_WAIT_SECONDS}s"
        sleep 1; continue
      fi
      backoff_due "peers $V_HOST" && log "peer Sentinels still report unreachable $V_HOST:$V_PORT after ${elapsed}s; asking the Redis pods"
    else
      backoff_due "no peers $S_SUMMARY" && log "no peer Sentinel knows master set $MASTER_SET (${S_SUMMARY:-none reachable}); asking the Redis pods"
    fi
    best="$(best_redis_master)"
    if [[ -n "$best" ]]; then
      read -r ip name n _ <<<"$best"
      MASTER_HOST="$(monitor_host "$ip" "$name")"
      log "Redis pod $(short "$name") ($ip) answers ROLE master with $n replica(s): monitoring it"
      clear_status
      return
    fi
    if [[ -n "$V_HOST" ]]; then
      # A peer's view exists but nothing answers: keep it (the peers and the Redis pods' own
      # start scripts resolve it).
      MASTER_HOST="$V_HOST" MASTER_PORT="$V_PORT"
      log "no Redis pod answers ROLE master; keeping the peers' view $V_HOST:$V_PORT (config-epoch $V_EPOCH)"
      clear_status
      return
    fi
    reported_master
    if [[ -n "$REPORTED" ]]; then
      local votes
      read -r MASTER_HOST MASTER_PORT votes KNOWN_REPLICAS <<<"$REPORTED"
      log "no Sentinel knows master set $MASTER_SET and no Redis pod answers ROLE master; $votes replica(s) report master $MASTER_HOST:$MASTER_PORT ($REDIS_SURVEY): monitoring it even if it is down, with its replicas ${KNOWN_REPLICAS//,/, } as known replicas, so that a failover promotes the replica with the best offset"
      clear_status
      return
    fi
    wait_safely "no Sentinel knows master set $MASTER_SET and no Redis pod answers as master or as the replica of one (${REDIS_SURVEY:-no Redis pod configured}); not guessing a master, asking again" "$REDIS_SURVEY"
    sleep 1
  done
}

write_conf() {
  local conf="$RUNTIME_DIR/sentinel.conf" tmp peer="" acl_note=""
  mkdir -p "$RUNTIME_DIR"
  # Under auth.acl the Sentinels log in to Redis (auth-user) and to each other (sentinel-user) as
  # the sentinel user, whose password is REDIS_PASSWORD here; each Sentinel defines that user with
  # every password it may be given, so a rotation never locks a peer out. Clients keep the
  # Sentinels' own password (requirepass, the default user).
  if acl_enabled; then
    peer="$(acl_user_line sentinel "allchannels +@all")" || die "ACL: cannot configure the sentinel user (see the line above); nothing was started"
    acl_note=", acl user sentinel ($(acl_passwords sentinel | wc -l) password(s))"
  fi
  tmp="$(umask 077; mktemp "$conf.XXXXXX")"
  {
    echo "# Written by start-sentinel.sh for $POD_NAME at $(date -u '+%Y-%m-%dT%H:%M:%SZ'); Sentinel rewrites it while it runs."
    cat "$CONF_DIR/sentinel.conf"
    echo
    echo "# ---- this pod (start-sentinel.sh) ----"
    echo "dir $RUNTIME_DIR"
    echo "bind $BIND_ADDRESS"
    if [[ "$REDIS_TLS" == "yes" ]]; then
      echo "port 0"
      echo "tls-port $SENTINEL_PORT"
    else
      echo "port $SENTINEL_PORT"
    fi
    echo "sentinel myid $MYID"
    if yes_ "$ANNOUNCE_HOSTNAMES"; then
      echo "sentinel resolve-hostnames yes"
      echo "sentinel announce-hostnames yes"
    fi
    echo "sentinel announce-ip $ANNOUNCE"
    echo "sentinel announce-port $SENTINEL_PORT"
    [[ -n "$SENTINEL_PASSWORD" ]] && echo "requirepass $(conf_quote "$SENTINEL_PASSWORD")"
    if [[ -n "$peer" ]]; then
      printf '%s\n' "$peer"
      echo "sentinel sentinel-user sentinel"
      echo "sentinel sentinel-pass $(conf_quote "$REDIS_PASSWORD")"
    elif [[ -n "$SENTINEL_PASSWORD" ]]; then
      echo "sentinel sentinel-pass $(conf_quote "$SENTINEL_PASSWORD")"
    fi
    echo "sentinel monitor $MASTER_SET $MASTER_HOST $MASTER_PORT $QUORUM"
    echo "sentinel down-after-milliseconds $MASTER_SET $DOWN_AFTER_MS"
    echo "sentinel failover-timeout $MASTER_SET $FAILOVER_TIMEOUT"
    echo "sentinel parallel-syncs $MASTER_SET $PARALLEL_SYNCS"
    [[ -n "${REDIS_USER:-}" ]] && echo "sentinel auth-user $MASTER_SET $REDIS_USER"
    if [[ -n "$REDIS_PASSWORD" ]]; then
      echo "sentinel auth-pass $MASTER_SET $(conf_quote "$REDIS_PASSWORD")"
    fi
    local r
    for r in ${KNOWN_REPLICAS//,/ }; do echo "sentinel known-replica $MASTER_SET $r $MASTER_PORT"; done
  } > "$tmp"
  mv -f "$tmp" "$conf"
  log "wrote $conf (myid $MYID, announce $ANNOUNCE:$SENTINEL_PORT, monitor $MASTER_SET $MASTER_HOST:$MASTER_PORT quorum $QUORUM, down-after ${DOWN_AFTER_MS}ms, auth $([[ -n "$SENTINEL_PASSWORD" ]] && echo on || echo off)$acl_note, tls $REDIS_TLS)"
}

main() {
  log "pod $POD_NAME ($SELF_NAME) IP $POD_IP; master set $MASTER_SET, quorum $QUORUM of $SENTINEL_COUNT"
  clear_status
  if yes_ "$ANNOUNCE_HOSTNAMES"; then
    local waited=0
    # Sentinel resolves its own announce name; the headless Service publishes it once the pod has an IP.
    until resolve "$SELF_NAME" >/dev/null; do
      (( waited >= 60 )) && die "own stable name $SELF_NAME does not resolve after ${waited}s"
      sleep 1; waited=$(( waited + 1 ))
    done
  fi
  choose_master
  write_conf
  log "exec $REDIS_SENTINEL $RUNTIME_DIR/sentinel.conf"
  exec "$REDIS_SENTINEL" "$RUNTIME_DIR/sentinel.conf"
}

main "$@"
