#!/usr/bin/env bash
# elect-master.sh: run in the background by start-redis.sh when the pod started as a CANDIDATE:
# no Sentinel could name a master (they lost their state, or they are unreachable) and no Redis pod
# answers ROLE master. redis-server then runs as `replicaof $CANDIDATE_MASTER_HOST
# $CANDIDATE_MASTER_PORT`, a placeholder that refuses: the data loads, the pod is read-only, and
# no Sentinel takes it for a master. This helper decides, by DATA, never by ordinal:
#
#   1. It publishes this pod's recorded replication state ($DATA_DIR/replication.state, written
#      by the probes while the pod was part of live replication) and its live key count as the
#      name of one held connection (CLIENT SETNAME replication-state:...), so that the other
#      candidates can read it with CLIENT LIST.
#   2. Every second it looks again (logging a changed reason at once, the same one with back-off):
#      - the Sentinels name a live master, or a Redis pod answers ROLE master: follow it;
#      - every Redis pod answers (candidates with their published state, or running replicas with
#        their live state): elect the best data. A pod with keys beats an empty one; among pods
#        with data and the same replication ID, the pod that recorded it as master wins (one ID
#        has one master, and a replica never holds more than its master), else the higher
#        recorded offset, and the ordinal breaks only the tie of identical data; a pod whose
#        replication ID continues another's (master_replid2, a promotion) is the newer lineage;
#        unrelated lineages compare the time their data was last current. Only when nothing holds
#        data (a first install) or data is provably identical does the ordinal decide.
#      - the winner runs REPLICAOF NO ONE and then repoint-sentinels.sh (the Sentinels monitor
#        it); the others follow it as soon as it answers ROLE master.
#      - a pod does not answer, has data but no record, or cannot be compared: it could hold
#        newer data, so WAIT SAFELY ("waiting safely: ..." in the log and in
#        $RUNTIME_DIR/start-status, which the readiness probe reports).
#   3. Escape hatch: `touch $DATA_DIR/force-start` on a waiting pod makes it take the best guess
#      among the pods that answer, record the data loss naming the override, and delete the file.
set -uo pipefail
SCRIPT_NAME="elect-master"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

SELF_NAME="$(redis_stable_name "$POD_NAME")"
SELF_ORDINAL="$(ordinal_of "$POD_NAME" || echo 0)"
if yes_ "$ANNOUNCE_HOSTNAMES"; then ANNOUNCE="$SELF_NAME"; else ANNOUNCE="$POD_IP"; fi
PUB_FD=""
trap 'cleanup_tmp' EXIT

# ---- helpers ------------------------------------------------------------------------------
# set_runtime_replicaof HOST PORT | "" : keeps the `replicaof` line of the runtime redis.conf in
# step with what the server now runs (operators read that file; start-redis.sh rewrites it at
# every start anyway).
set_runtime_replicaof() {
  local conf="$RUNTIME_DIR/redis.conf" text
  [[ -r "$conf" ]] || return 0
  text="$(grep -v -e '^replicaof ' -e '^# candidate:' "$conf")"
  [[ -n "$1" ]] && text+=$'\n'"replicaof $1 $2"
  atomic_write "$conf" "$text" || log "cannot update $conf"
}

# publish : CLIENT SETNAME on a connection held open by this helper (it closes when the helper
# ends or dies, so a stale record is never published).
publish() {
  local name="$1"
  [[ -n "$PUB_FD" ]] && exec {PUB_FD}>&-
  cli_conn "$REDIS_USER" "$REDIS_PASSWORD"
  exec {PUB_FD}> >(exec env "${CLI_ENV[@]}" "$REDIS_CLI" --no-auth-warning -h "$LOCAL_HOST" -p "$REDIS_PORT" "${CLI_ARGS[@]}" >/dev/null 2>&1)
  printf 'CLIENT SETNAME %s\n' "$name" >&"$PUB_FD"
}
unpublish() { [[ -n "$PUB_FD" ]] && exec {PUB_FD}>&-; PUB_FD=""; }

published_by() { # IP : the published record of the candidate at IP ("" when none yet)
  local out
  out="$(rcli "$1" CLIENT LIST TYPE normal)" || return 0
  grep -o "name=${STATE_NAME_PREFIX}[^ ]*" <<<"$out" | sed -n 1p | sed "s/^name=${STATE_NAME_PREFIX}//"
}

# A participant is one line: "<ordinal> <name> <ip> <kind> <keys> <role> <replid> <replid2>
# <offset> <second_offset> <time>" (kind: candidate | live; role none = no record).
rec_get() { tr ',' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2; exit }'; }
participant_from_record() { # ORDINAL NAME IP KIND RECORD
  local r="$5" v out="$1 $2 $3 $4"
  for v in keys role replid replid2 offset second_offset time; do
    local x; x="$(rec_get "$r" "$v")"; out+=" ${x:--}"
  done
  printf '%s\n' "$out"
}
own_record() {
  local r="ord=$SELF_ORDINAL,keys=$1" k v
  if [[ -r "$STATE_FILE" ]]; then
    for k in role replid replid2 offset second_offset time; do
      v="$(state_value "$STATE_FILE" "$k")"; r+=",$k=${v:--}"
    done
  else
    r+=",role=none"
  fi
  printf '%s\n' "$r"
}

# better A B : sets CMP to 1 when participant A holds the better data, 2 when B does, 0 when they
# cannot be compared safely. CMP_WHY says why, for the log.
CMP_WHY="" CMP=0
better() {
  local ao an ak ar aid aid2 aoff at bo bn bk br bid bid2 boff bt
  read -r ao an _ _ ak ar aid aid2 aoff _ at <<<"$1"
  read -r bo bn _ _ bk br bid bid2 boff _ bt <<<"$2"
  an="$(short "$an")" bn="$(short "$bn")"
  is_uint "$ak" || ak=0; is_uint "$bk" || bk=0
  if (( ak > 0 && bk == 0 )); then CMP_WHY="$an holds $ak key(s), $bn none"; CMP=1; return; fi
  if (( ak == 0 && bk > 0 )); then CMP_WHY="$bn holds $bk key(s), $an none"; CMP=2; return; fi
  if (( ak == 0 && bk == 0 )); then
    CMP_WHY="neither $an nor $bn holds a key: identical (empty) data, lower ordinal"
    if (( ao <= bo )); then CMP=1; else CMP=2; fi; return
  fi
  if [[ "$ar" == none || "$ar" == - ]]; then CMP_WHY="$an holds $ak key(s) but has no recorded replication state to compare with $bn"; CMP=0; return; fi
  if [[ "$br" == none || "$br" == - ]]; then CMP_WHY="$bn holds $bk key(s) but has no recorded replication state to compare with $an"; CMP=0; return; fi
  is_uint "$aoff" || aoff=0; is_uint "$boff" || boff=0; is_uint "$at" || at=0; is_uint "$bt" || bt=0
  if [[ "$aid" == "$bid" ]]; then
    # One replication ID has exactly one master ever (a promotion starts a new ID): its data holds
    # everything its replicas received, however old its last record is.
    if [[ "$ar" == master && "$br" != master ]]; then CMP_WHY="same replication ID ${aid:0:8}: $an recorded it as the master (a replica never holds more than its master)"; CMP=1; return; fi
    if [[ "$br" == master && "$ar" != master ]]; then CMP_WHY="same replication ID ${aid:0:8}: $bn recorded it as the master (a replica never holds more than its master)"; CMP=2; return; fi
    if (( aoff != boff )); then
      CMP_WHY="same replication ID ${aid:0:8}: $an recorded offset $aoff, $bn $boff"
      if (( aoff > boff )); then CMP=1; else CMP=2; fi; return
    fi
    CMP_WHY="identical data (replication ID ${aid:0:8}, offset $aoff): lower ordinal"
    if (( ao <= bo )); then CMP=1; else CMP=2; fi; return
  fi
  if [[ "$aid2" == "$bid" ]]; then CMP_WHY="$an's replication ID continues $bn's (a promotion): newer lineage"; CMP=1; return; fi
  if [[ "$bid2" == "$aid" ]]; then CMP_WHY="$bn's replication ID continues $an's (a promotion): newer lineage"; CMP=2; return; fi
  if (( at != bt )); then
    CMP_WHY="unrelated replication IDs: $an's data was last current at $(date -u -d "@$at" '+%H:%M:%SZ' 2>/dev/null || echo "$at"), $bn's at $(date -u -d "@$bt" '+%H:%M:%SZ' 2>/dev/null || echo "$bt")"
    if (( at > bt )); then CMP=1; else CMP=2; fi; return
  fi
  CMP_WHY="$an and $bn hold unrelated data recorded at the same second"; CMP=0
}

follow() { # HOST PORT WHY
  local reply
  reply="$(rcli "$LOCAL_HOST" REPLICAOF "$1" "$2")"
  if [[ "$reply" != OK* ]]; then log "REPLICAOF $1 $2 failed: ${reply%%$'\n'*}; trying again"; return 1; fi
  unpublish; set_runtime_replicaof "$1" "$2"; clear_status
  log "$3: replica of $(describe_host "$1"):$2 (REPLICAOF: $reply)"
  exit 0
}

promote_self() { # WHY
  local reply
  reply="$(rcli "$LOCAL_HOST" REPLICAOF NO ONE)"
  if [[ "$reply" != OK* ]]; then log "REPLICAOF NO ONE failed: ${reply%%$'\n'*}; trying again"; return 1; fi
  unpublish; set_runtime_replicaof ""; clear_status
  log "$1: this pod is the MASTER now (REPLICAOF NO ONE); making the Sentinels monitor $ANNOUNCE"
  trap - EXIT
  exec "$(dirname "$0")/repoint-sentinels.sh"
}

# ---- 1. the local server, and this pod's record --------------------------------------------
until reply="$(rcli "$LOCAL_HOST" PING)" && [[ "$reply" == PONG ]]; do sleep 1; done
keys="$(rcli "$LOCAL_HOST" DBSIZE)"; is_uint "$keys" || keys=0
OWN="$(own_record "$keys")"
publish "${STATE_NAME_PREFIX}${OWN}"
log "candidate: published this pod's data for the election: $OWN"

# ---- 2. decide -------------------------------------------------------------------------------
while :; do
  read -r lrole lrest <<<"$(role_of "$LOCAL_HOST")"
  if [[ "$lrole" == master ]]; then
    unpublish; set_runtime_replicaof ""; clear_status
    log "the local server was promoted by another pod's decision (force-start); making the Sentinels monitor $ANNOUNCE"
    trap - EXIT; exec "$(dirname "$0")/repoint-sentinels.sh"
  fi
  if [[ "$lrole" == slave ]]; then
    read -r lh lp _ <<<"$lrest"
    if ! is_candidate_master "$lh" "$lp"; then
      unpublish; set_runtime_replicaof "$lh" "$lp"; clear_status
      log "the local server was pointed at $lh:$lp by another script; done"; exit 0
    fi
  fi

  ask_sentinels
  if (( S_KNOWN > 0 )) && [[ -n "$V_HOST" ]] && ! names_self "$V_HOST"; then
    m_ip="$(resolve "$V_HOST" 2>/dev/null || true)"
    if [[ -n "$m_ip" && "$(role_of "$m_ip")" == master* ]]; then
      follow "$V_HOST" "$V_PORT" "$V_VOTES of $S_REACHED Sentinel(s) name $V_HOST:$V_PORT (config-epoch $V_EPOCH), which answers ROLE master" || { sleep 1; continue; }
    fi
  fi

  # Every Redis pod: a master to follow, or its data for the election.
  parts=() missing=() masters=()
  while read -r name; do
    [[ -n "$name" ]] || continue
    ord="$(ordinal_of "$name" || echo 0)"
    if [[ "$name" == "$SELF_NAME" ]]; then parts+=("$(participant_from_record "$SELF_ORDINAL" "$name" "$POD_IP" candidate "$OWN")"); continue; fi
    if ! ip="$(resolve "$name")"; then missing+=("$(short "$name") (does not resolve)"); continue; fi
    read -r role rest <<<"$(role_of "$ip")"
    case "$role" in
      master) masters+=("$ip $name") ;;
      slave)
        read -r mh mp _ <<<"$rest"
        if is_candidate_master "$mh" "$mp"; then
          rec="$(published_by "$ip")"
          if [[ -z "$rec" ]]; then missing+=("$(short "$name") (a candidate that has not published its data yet)"); continue; fi
          parts+=("$(participant_from_record "$ord" "$name" "$ip" candidate "$rec")")
        else
          info="$(rcli "$ip" INFO replication keyspace)"
          down="$(field "$info" master_link_down_since_seconds)"; link="$(field "$info" master_link_status)"
          if [[ "$link" != up && ! "$down" =~ ^[0-9]+$ ]]; then
            missing+=("$(short "$name") (a replica of $mh:$mp that never synced since it started: its data cannot be compared)"); continue
          fi
          is_uint "$down" || down=0
          k="$(awk -F'[:=,]' '/^db[0-9]+:keys=/ { n += $3 } END { print n + 0 }' <<<"$info")"
          rec="keys=$k,role=slave,replid=$(field "$info" master_replid),replid2=$(field "$info" master_replid2),offset=$(field "$info" master_repl_offset),second_offset=$(field "$info" second_repl_offset),time=$(( $(date +%s) - down ))"
          parts+=("$(participant_from_record "$ord" "$name" "$ip" live "$rec")")
        fi ;;
      *) missing+=("$(short "$name") (${rest:-does not answer})") ;;
    esac
  done < <(redis_hosts)

  if (( ${#masters[@]} > 0 )); then
    read -r ip name <<<"${masters[0]}"
    follow "$(if yes_ "$ANNOUNCE_HOSTNAMES"; then echo "$name"; else echo "$ip"; fi)" "$REDIS_PORT" "$(short "$name") answers ROLE master (it won the election, or it never stopped being master)" || { sleep 1; continue; }
  fi

  force=no
  force_requested && force=yes
  if (( ${#missing[@]} > 0 )) && [[ "$force" == no ]]; then
    wait_safely "no Sentinel names a live master, and $(IFS=';'; echo "${missing[*]}") could hold newer data than the pods that answer; not electing a master without it (touch $FORCE_FILE on this pod to elect among the pods that answer)" "missing ${missing[*]}"
    sleep 1; continue
  fi

  # The election: fold over the participants in ordinal order.
  mapfile -t parts < <(printf '%s\n' "${parts[@]}" | sort -n -k1,1)
  best="${parts[0]}" why="" undecided=""
  for p in "${parts[@]:1}"; do
    better "$best" "$p"
    case "$CMP" in
      1) why+="$CMP_WHY; " ;;
      2) best="$p"; why+="$CMP_WHY; " ;;
      *) undecided="$CMP_WHY" ;;
    esac
  done
  why="${why%; }"; why="${why:-the only pod}"
  if [[ -n "$undecided" && "$force" == no ]]; then
    wait_safely "cannot elect a master by data: $undecided (touch $FORCE_FILE on this pod to take the best guess)" "undecided $undecided"
    sleep 1; continue
  fi
  read -r _ wname wip wkind wkeys _ <<<"$best"
  summary="$(printf '%s\n' "${parts[@]}" | awk '{ printf "%s%s: %s keys, %s %.8s offset %s; ", $4 == "live" ? "running " : "", $2, $5, $6, $7, $9 }' | sed 's/\.[^:]*:/:/g; s/; $//')"

  if [[ "$force" == yes ]]; then
    rm -f "$FORCE_FILE"
    data_loss "force-start on $POD_NAME: elected $(short "$wname") by the best data among the pods that answer (${summary})$( (( ${#missing[@]} > 0 )) && echo "; without hearing from $(IFS=';'; echo "${missing[*]}")")$([[ -n "$undecided" ]] && echo "; not comparable: $undecided")"
  fi

  if [[ "$wname" == "$SELF_NAME" ]]; then
    is_uint "$wkeys" || wkeys=0
    if (( wkeys == 0 && S_KNOWN > 0 )); then
      data_loss "the Sentinels knew master set $MASTER_SET, but no Redis pod holds a key (volumes lost, or persistence off): starting from empty data"
    fi
    promote_self "elected by data among $(( ${#parts[@]} )) pod(s) ($summary); $why" || { sleep 1; continue; }
  fi
  if [[ "$force" == yes && "$wkind" == candidate ]]; then
    reply="$(rcli "$wip" REPLICAOF NO ONE)"
    log "force-start: promoted $(short "$wname") ($wip), the best data among the pods that answer: ${reply%%$'\n'*}"
  fi
  if [[ "$wkind" == live ]]; then
    wait_safely "$(short "$wname") holds the newest data ($why) but runs as a replica of an unreachable master; waiting for the Sentinels to promote it or for its pod to restart (touch $FORCE_FILE on it after restarting it, or delete its pod)" "live $wname"
  else
    wait_safely "elected $(short "$wname") by data ($why); waiting for it to answer ROLE master, then following it" "elected $wname"
  fi
  sleep 1
done
