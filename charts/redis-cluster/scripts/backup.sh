#!/usr/bin/env bash
# backup.sh: the backup CronJob's command. Writes one backup SET of the whole cluster to the
# backup volume, then prunes old sets. A set is a folder named after its UTC start time:
#
#   $BACKUP_DIR/<YYYYMMDDTHHMMSSZ>/
#     manifest.json   mode, the slot layout, and per shard: node ID, address, slot ranges, file,
#                     bytes, sha256, redis version, keys in the file (one shard object per line)
#     shard-<i>.rdb   the RDB of shard i (shards ordered by their first slot)
#     SHA256SUMS      `sha256sum -c SHA256SUMS` checks the files by hand
#
# Steps, each logged on one line:
#   1. lock the backup volume (flock), delete stale `<set>.partial` folders of runs that died;
#   2. read the cluster's slot map from the first seed that answers with cluster_state:ok,
#      CLUSTER NODES with every slot assigned, no master flagged fail/fail?/noaddr and no slot
#      open (MIGRATING/IMPORTING): a backup is taken of a whole, settled cluster only;
#   3. `redis-cli --rdb` from every master that owns slots, all at once, into `<set>.partial/`;
#      each file must be a complete RDB (REDIS magic; redis-check-rdb when it is installed);
#   4. read the slot map again: when the slot ranges changed during the dumps (a slot move), the
#      files do not form one consistent set and the run fails;
#   5. write manifest.json and SHA256SUMS, then rename `<set>.partial` to `<set>`: a folder
#      without `.partial` is always complete;
#   6. prune: keep the newest BACKUP_RETENTION complete sets, delete older ones.
# Any failure exits non-zero BEFORE step 6 and removes its own `.partial` folder: a failed run
# never deletes or replaces a good set (the CronJob's Job retries, up to its backoffLimit).
#
# What every backup run does the same way in both Redis charts (the settings checks, the failure
# trap, step 1, one `redis-cli --rdb` and its check, writing SHA256SUMS and manifest.json, the
# rename, step 6) lives once in backup-lib.sh (charts/redis-common/scripts, linked here). This file
# keeps what is cluster-only: the slot map, one dump per shard, the shard objects and cluster fields
# of the manifest.
#
# Extra environment (see lib.sh for the shared contract: RESOLVE_CMD, REDIS_PASSWORD, REDIS_TLS,
# TLS_DIR, REDIS_CLI, REDIS_PORT, HEADLESS_SERVICE, STATEFULSET, SHARDS, REPLICAS_PER_SHARD):
#   BACKUP_DIR           /backup   the backup volume
#   BACKUP_RETENTION     7         complete sets to keep (one set per run; daily runs = days)
#   BACKUP_SEEDS         ""        names or IPs to read the slot map from (space/comma separated);
#                                  empty: every pod, <STATEFULSET>-<i>.<HEADLESS_SERVICE>
#   BACKUP_DUMP_TIMEOUT  1800      seconds one `redis-cli --rdb` may take
#   REDIS_CHECK_RDB      redis-check-rdb   verifies each dump when found on PATH; "" skips it
set -euo pipefail
SCRIPT_NAME=backup
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f  # slot fields like "[93->-<id>]" must never glob

: "${BACKUP_DIR:=/backup}"
: "${BACKUP_SEEDS:=}"
backup_begin  # BACKUP_RETENTION, BACKUP_DUMP_TIMEOUT, REDIS_CHECK_RDB; the EXIT trap

# ---- the slot map -----------------------------------------------------------------------------
# read_slot_map : fills M_ID M_ADDR M_HOST M_SLOTS M_IP (masters that own slots, ordered by first
# slot) and SEED_NAME from the first seed with a whole, settled view. Fails when none has one.
declare -a M_ID=() M_ADDR=() M_HOST=() M_SLOTS=() M_IP=()
SEED_NAME=""
read_slot_map() {
  local name ip info nodes state
  local -a seeds=()
  if [[ -n "$BACKUP_SEEDS" ]]; then
    # shellcheck disable=SC2086  # split on whitespace on purpose
    for name in ${BACKUP_SEEDS//,/ }; do seeds+=("$name"); done
  else
    mapfile -t seeds < <(peer_names)
  fi
  for name in "${seeds[@]}"; do
    if ! ip="$(resolve "$name")"; then log "seed $name does not resolve; trying the next one"; continue; fi
    if ! info="$(rcli_ok "$ip" CLUSTER INFO)"; then log "seed $name ($ip): CLUSTER INFO failed: ${info%%$'\n'*}; trying the next one"; continue; fi
    state="$(field "$info" cluster_state)"
    if [[ "$state" != ok ]]; then log "seed $name ($ip) reports cluster_state:$state; trying the next one"; continue; fi
    if ! nodes="$(rcli_ok "$ip" CLUSTER NODES)"; then log "seed $name ($ip): CLUSTER NODES failed: ${nodes%%$'\n'*}; trying the next one"; continue; fi
    parse_nodes "$nodes"
    if [[ -n "$PROBLEM" ]]; then log "seed $name ($ip): $PROBLEM; trying the next one"; continue; fi
    SEED_NAME="$name"
    return 0
  done
  return 1
}

# parse_nodes NODES : fills the M_* arrays from CLUSTER NODES; PROBLEM says why the view is
# unusable ("" when it is usable).
PROBLEM=""
parse_nodes() {
  local id addr flags f total=0 n a
  local -a fields=() slots=() rows=()
  M_ID=() M_ADDR=() M_HOST=() M_SLOTS=() M_IP=() PROBLEM=""
  while read -r -a fields; do
    (( ${#fields[@]} >= 8 )) || continue
    id="${fields[0]}"; addr="${fields[1]}"; flags="${fields[2]}"
    [[ "$flags" == *master* ]] || continue
    slots=()
    for f in "${fields[@]:8}"; do
      if [[ "$f" == \[* ]]; then PROBLEM="slot ${f//[\[\]]/} is open (a slot move in progress): backing up now would split its keys"; return 0; fi
      slots+=("$f")
    done
    (( ${#slots[@]} > 0 )) || continue
    if [[ "$flags" == *fail* || "$flags" == *noaddr* || "$flags" == *handshake* ]]; then
      PROBLEM="master $id ($addr) owns slots but is flagged $flags: a failover may be under way"; return 0
    fi
    a="$(normalize_ranges "${slots[@]}")"
    n=0; for f in ${a//,/ }; do n=$(( n + ${f#*-} - ${f%-*} + 1 )); done
    total=$(( total + n ))
    rows+=("${a%%-*} $id $addr $a")
  done <<<"$1"
  (( total == 16384 )) || { PROBLEM="only $total of 16384 slots are assigned: a backup is taken of a whole cluster only"; return 0; }
  while read -r _ id addr a; do
    M_ID+=("$id"); M_ADDR+=("${addr%%,*}"); M_HOST+=("$(addr_host "$addr")"); M_SLOTS+=("$a"); M_IP+=("$(addr_ip "$addr")")
  done < <(printf '%s\n' "${rows[@]}" | sort -n -k1,1)
  return 0
}

layout_text() { local i out=""; for i in "${!M_SLOTS[@]}"; do out+="${out:+ | }shard $i: ${M_SLOTS[i]} on ${M_HOST[i]:-${M_IP[i]}}"; done; echo "$out"; }

# ---- the run ----------------------------------------------------------------------------------
main() {
  prepare_volume
  read_slot_map || die "no seed gave a whole, settled view of the cluster (see above); nothing was written"
  local n=${#M_ID[@]} i file
  (( n == SHARDS )) || log "note: $n masters own slots, cluster.shards is $SHARDS (a scaling in progress?); backing up the $n that exist"
  log "slot map from $SEED_NAME: $n shard(s): $(layout_text)"

  new_set

  local -a version=() server=() keys=() pids=() took=()
  local info t0=$SECONDS
  for (( i = 0; i < n; i++ )); do
    info="$(rcli_ok "${M_IP[i]}" INFO)" || die "shard $i: master ${M_ADDR[i]} does not answer INFO: ${info%%$'\n'*}"
    version[i]="$(field "$info" redis_version)"
    server[i]="$(server_of "$info")"
    keys[i]="$(awk -F'[:=,]' '$1 == "db0" { print $3; exit }' <<<"$info")"; keys[i]="${keys[i]:-0}"
    [[ "$(field "$info" role)" == master ]] || die "shard $i: ${M_ADDR[i]} answers role:$(field "$info" role), not master: a failover is under way"
    log "shard $i: dumping master ${M_ID[i]} (${M_ADDR[i]}${M_HOST[i]:+, ${M_HOST[i]}}; slots ${M_SLOTS[i]}; ${keys[i]} keys; redis ${version[i]})"
    dump "$PARTIAL/shard-$i.rdb" "${M_IP[i]}" &
    pids[i]=$!
  done
  local failed=0 problem
  for (( i = 0; i < n; i++ )); do
    if wait "${pids[i]}"; then
      problem="$(check_rdb "$PARTIAL/shard-$i.rdb")"
      if [[ -n "$problem" ]]; then log "shard $i: the dump of ${M_ADDR[i]} $problem"; failed=$(( failed + 1 )); continue; fi
      took[i]=$(( SECONDS - t0 ))
      local in_file; in_file="$(rdb_keys "$PARTIAL/shard-$i.rdb")"
      [[ -n "$in_file" ]] && keys[i]="$in_file"
      log "shard $i: $(stat -c %s "$PARTIAL/shard-$i.rdb") bytes, ${keys[i]} keys from ${M_ADDR[i]} ($(tail -n 1 "$PARTIAL/shard-$i.rdb.log" | tr -d '\r'))"
    else
      log "shard $i: redis-cli --rdb from ${M_ADDR[i]} failed: $(grep -v '^$' "$PARTIAL/shard-$i.rdb.log" | tail -n 2 | tr -d '\r' | paste -sd ';' -)"
      failed=$(( failed + 1 ))
    fi
  done
  (( failed == 0 )) || die "$failed of $n dump(s) failed; the set is incomplete"

  # The slot ranges must not have moved while the dumps ran.
  local -a before=("${M_SLOTS[@]}") before_id=("${M_ID[@]}")
  read_slot_map || die "after the dumps, no seed gives a whole, settled view of the cluster; the set may be inconsistent"
  [[ "${before[*]}" == "${M_SLOTS[*]}" ]] || die "the slot layout changed during the dumps (before: ${before[*]}; after: ${M_SLOTS[*]}); the files do not form one consistent set"
  for (( i = 0; i < n; i++ )); do
    [[ "${before_id[i]}" == "${M_ID[i]}" ]] || log "note: shard $i changed master during the dump (${before_id[i]} -> ${M_ID[i]}, a failover); the dump is the old master's complete snapshot"
  done

  local lines=""
  for (( i = 0; i < n; i++ )); do
    file="shard-$i.rdb"
    rm -f "$PARTIAL/$file.log"
    sum_file "$file"
    lines+="${lines:+,$'\n'}    {\"index\": $i, \"nodeId\": $(json_str "${before_id[i]}"), \"address\": $(json_str "${M_ADDR[i]}"), \"host\": $(json_str "${M_HOST[i]}"), \"slots\": $(json_str "${before[i]}"), \"file\": $(json_str "$file"), \"bytes\": $FILE_BYTES, \"sha256\": $(json_str "$FILE_SHA"), \"redisVersion\": $(json_str "${version[i]}"), \"keys\": ${keys[i]}}"
  done
  finish_set cluster "$lines" \
    statefulset "$(json_str "$STATEFULSET")" \
    redisVersion "$(json_str "${version[0]}")" \
    server "$(json_str "${server[0]% *}")" \
    serverVersion "$(json_str "${server[0]#* }")" \
    slotLayout "$(json_str "$(IFS=';'; echo "${before[*]}")")"
  log "set $SET_NAME complete: $n shard(s), $(du -sk "$BACKUP_DIR/$SET_NAME" | awk '{ print $1 }') KiB, dumps took ${took[*]/%/s} (all at once), $(( SECONDS - STARTED ))s in total"

  prune
}

main "$@"
