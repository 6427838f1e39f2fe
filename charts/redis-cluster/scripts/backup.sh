#!/usr/bin/env bash
# backup.sh: the backup CronJob's command. Writes one backup SET of the whole cluster to the
# backup volume, then prunes old sets. A set is a folder named after its UTC start time:
#
#   $BACKUP_DIR/<YYYYMMDDTHHMMSSZ>/
#     manifest.json   mode, the slot layout, and per shard: node ID, address, slot ranges, file,
#                     bytes, sha256, redis version, keys at dump time (one shard object per line)
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
: "${BACKUP_RETENTION:=7}"
: "${BACKUP_SEEDS:=}"
: "${BACKUP_DUMP_TIMEOUT:=1800}"
: "${REDIS_CHECK_RDB=redis-check-rdb}"

PARTIAL=""   # the folder this run writes; removed on failure
STARTED=$SECONDS

{ is_uint "$BACKUP_RETENTION" && (( BACKUP_RETENTION >= 1 )); } || die "BACKUP_RETENTION='$BACKUP_RETENTION' must be a whole number >= 1 (complete sets to keep)"
is_uint "$BACKUP_DUMP_TIMEOUT" || die "BACKUP_DUMP_TIMEOUT='$BACKUP_DUMP_TIMEOUT' must be a whole number of seconds"

on_exit() {
  local rc=$?
  if (( rc != 0 )) && [[ -n "$PARTIAL" && -d "$PARTIAL" ]]; then
    rm -rf -- "$PARTIAL"
    log "removed the incomplete set $(basename "$PARTIAL") (this run failed; existing sets are untouched)"
  fi
  (( rc == 0 )) || log "FAILED after $(( SECONDS - STARTED ))s (exit $rc); no set was added and none was deleted"
}
trap on_exit EXIT
trap 'exit 143' TERM INT  # so that on_exit runs when the Job is stopped (activeDeadlineSeconds)

# ---- the backup volume ------------------------------------------------------------------------
prepare_volume() {
  [[ -d "$BACKUP_DIR" ]] || die "backup volume $BACKUP_DIR does not exist (is the backup PVC mounted?)"
  [[ -w "$BACKUP_DIR" ]] || die "backup volume $BACKUP_DIR is not writable by uid $(id -u)"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$BACKUP_DIR/.backup.lock"
    flock -n 9 || die "another backup holds the lock $BACKUP_DIR/.backup.lock; two dumps never share a volume"
  else
    log "no flock on PATH: relying on the CronJob's concurrencyPolicy Forbid alone"
  fi
  local - d
  set +f
  for d in "$BACKUP_DIR"/*.partial; do
    [[ -d "$d" ]] || continue
    rm -rf -- "$d"
    log "deleted stale $(basename "$d") (left by a run that was killed; it never became a set)"
  done
  log "backup volume $BACKUP_DIR: $(df -Pk "$BACKUP_DIR" | awk 'NR == 2 { printf "%d MiB free of %d MiB", $4 / 1024, $2 / 1024 }'); $(complete_sets | wc -l) complete set(s) before this run"
}

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

# ---- dumps ------------------------------------------------------------------------------------
# dump FILE HOST : `redis-cli --rdb` of HOST into FILE (password via REDISCLI_AUTH); output in FILE.log.
dump() {
  local file="$1" host="$2"
  local -a args=(-h "$host" -p "$REDIS_PORT") envs=()
  if [[ "$REDIS_TLS" == "yes" ]]; then
    args+=(--tls --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/tls.crt" --key "$TLS_DIR/tls.key")
  fi
  [[ -n "$REDIS_PASSWORD" ]] && envs=("REDISCLI_AUTH=$REDIS_PASSWORD")
  # --foreground keeps timeout (and redis-cli) in this script's process group, so stopping the
  # script stops the dump too; 9>&- keeps the volume lock out of the child.
  env "${envs[@]}" timeout --foreground "$BACKUP_DUMP_TIMEOUT" "$REDIS_CLI" --no-auth-warning "${args[@]}" --rdb "$file" > "$file.log" 2>&1 9>&-
}

# check_rdb FILE : prints why FILE is not a complete RDB, or nothing.
check_rdb() {
  local file="$1" magic out
  [[ -s "$file" ]] || { echo "is empty"; return 0; }
  magic="$(head -c 5 "$file")"
  [[ "$magic" == REDIS ]] || { echo "does not start with the RDB magic REDIS"; return 0; }
  if [[ -n "$REDIS_CHECK_RDB" ]] && command -v "$REDIS_CHECK_RDB" >/dev/null 2>&1; then
    out="$("$REDIS_CHECK_RDB" "$file" 2>&1)" || { echo "fails $REDIS_CHECK_RDB: $(grep -A1 'RDB ERROR DETECTED' <<<"$out" | tail -n 1 | grep . || tail -n 1 <<<"$out")"; return 0; }
  fi
  return 0
}

main() {
  prepare_volume
  read_slot_map || die "no seed gave a whole, settled view of the cluster (see above); nothing was written"
  local n=${#M_ID[@]} i set created file
  (( n == SHARDS )) || log "note: $n masters own slots, cluster.shards is $SHARDS (a scaling in progress?); backing up the $n that exist"
  log "slot map from $SEED_NAME: $n shard(s): $(layout_text)"

  set="$(date -u '+%Y%m%dT%H%M%SZ')"
  while [[ -e "$BACKUP_DIR/$set" || -e "$BACKUP_DIR/$set.partial" ]]; do sleep 1; set="$(date -u '+%Y%m%dT%H%M%SZ')"; done
  created="$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  PARTIAL="$BACKUP_DIR/$set.partial"
  mkdir "$PARTIAL"

  local -a version=() keys=() pids=() took=()
  local info t0=$SECONDS
  for (( i = 0; i < n; i++ )); do
    info="$(rcli_ok "${M_IP[i]}" INFO)" || die "shard $i: master ${M_ADDR[i]} does not answer INFO: ${info%%$'\n'*}"
    version[i]="$(field "$info" redis_version)"
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
      log "shard $i: $(stat -c %s "$PARTIAL/shard-$i.rdb") bytes from ${M_ADDR[i]} ($(tail -n 1 "$PARTIAL/shard-$i.rdb.log" | tr -d '\r'))"
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

  local sha bytes lines=""
  for (( i = 0; i < n; i++ )); do
    file="shard-$i.rdb"
    rm -f "$PARTIAL/$file.log"
    sha="$(sha256sum "$PARTIAL/$file" | awk '{ print $1 }')"
    bytes="$(stat -c %s "$PARTIAL/$file")"
    printf '%s  %s\n' "$sha" "$file" >> "$PARTIAL/SHA256SUMS"
    lines+="${lines:+,$'\n'}    {\"index\": $i, \"nodeId\": $(json_str "${before_id[i]}"), \"address\": $(json_str "${M_ADDR[i]}"), \"host\": $(json_str "${M_HOST[i]}"), \"slots\": $(json_str "${before[i]}"), \"file\": $(json_str "$file"), \"bytes\": $bytes, \"sha256\": $(json_str "$sha"), \"redisVersion\": $(json_str "${version[i]}"), \"keys\": ${keys[i]}}"
  done
  {
    printf '{\n'
    printf '  "format": 1,\n'
    printf '  "mode": "cluster",\n'
    printf '  "set": %s,\n' "$(json_str "$set")"
    printf '  "createdAt": %s,\n' "$(json_str "$created")"
    printf '  "completedAt": %s,\n' "$(json_str "$(date -u '+%Y-%m-%dT%H:%M:%SZ')")"
    printf '  "statefulset": %s,\n' "$(json_str "$STATEFULSET")"
    printf '  "redisVersion": %s,\n' "$(json_str "${version[0]}")"
    printf '  "slotLayout": %s,\n' "$(json_str "$(IFS=';'; echo "${before[*]}")")"
    printf '  "shards": [\n%s\n  ]\n' "$lines"
    printf '}\n'
  } > "$PARTIAL/manifest.json.tmp"
  mv "$PARTIAL/manifest.json.tmp" "$PARTIAL/manifest.json"
  sync -f "$PARTIAL/manifest.json" 2>/dev/null || sync
  mv "$PARTIAL" "$BACKUP_DIR/$set"
  PARTIAL=""
  log "set $set complete: $n shard(s), $(du -sk "$BACKUP_DIR/$set" | awk '{ print $1 }') KiB, dumps took ${took[*]/%/s} (all at once), $(( SECONDS - STARTED ))s in total"

  prune
}

prune() {
  local -a sets=()
  mapfile -t sets < <(complete_sets)
  local count=${#sets[@]} i
  if (( count <= BACKUP_RETENTION )); then
    log "retention: $count complete set(s), keeping up to $BACKUP_RETENTION; nothing to prune"
    return 0
  fi
  for (( i = 0; i < count - BACKUP_RETENTION; i++ )); do
    rm -rf -- "${BACKUP_DIR:?}/${sets[i]}"
    log "retention: deleted set ${sets[i]} (older than the newest $BACKUP_RETENTION)"
  done
  log "retention: kept ${sets[*]: -BACKUP_RETENTION}"
}

main "$@"
