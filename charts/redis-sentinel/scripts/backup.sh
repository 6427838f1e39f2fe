#!/usr/bin/env bash
# backup.sh: the backup CronJob's command. Asks the Sentinels which pod is the master, dumps it
# into one backup SET on the backup volume, then prunes old sets. A set is a folder named after
# its UTC start time:
#
#   $BACKUP_DIR/<YYYYMMDDTHHMMSSZ>/
#     manifest.json   mode sentinel, the master set, and the master: run ID, address, file, bytes,
#                     sha256, redis version, keys at dump time (the shard object on one line)
#     master.rdb      the RDB of the master
#     SHA256SUMS      `sha256sum -c SHA256SUMS` checks the file by hand
#
# Steps, each logged on one line:
#   1. lock the backup volume (flock), delete stale `<set>.partial` folders of runs that died;
#   2. ask every Sentinel for the master of MASTER_SET (the newest config-epoch wins, as in
#      start-redis.sh); the named pod must not be flagged down and must answer ROLE master,
#      else ask again (a failover in progress) for up to BACKUP_MASTER_WAIT_SECONDS. The Sentinels
#      decide: no Sentinel, no backup (never a guess that could dump a stale old master);
#   3. `redis-cli --rdb` from the master into `<set>.partial/master.rdb`; the file must be a
#      complete RDB (REDIS magic; redis-check-rdb when it is installed);
#   4. write manifest.json and SHA256SUMS, then rename `<set>.partial` to `<set>`: a folder
#      without `.partial` is always complete;
#   5. prune: keep the newest BACKUP_RETENTION complete sets, delete older ones.
# Any failure exits non-zero BEFORE step 5 and removes its own `.partial` folder: a failed run
# never deletes or replaces a good set (the CronJob's Job retries, up to its backoffLimit).
#
# Extra environment (see lib.sh for the shared contract: the Sentinel names, MASTER_SET,
# SENTINEL_PASSWORD, REDIS_PASSWORD, REDIS_TLS, TLS_DIR, REDIS_CLI, REDIS_PORT, RESOLVE_CMD):
#   BACKUP_DIR                  /backup   the backup volume
#   BACKUP_RETENTION            7         complete sets to keep (one set per run; daily runs = days)
#   BACKUP_MASTER_WAIT_SECONDS  30        how long to wait for the Sentinels to name a live master
#   BACKUP_DUMP_TIMEOUT         1800      seconds `redis-cli --rdb` may take
#   REDIS_CHECK_RDB             redis-check-rdb   verifies the dump when found on PATH; "" skips it
set -euo pipefail
SCRIPT_NAME=backup
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f

: "${BACKUP_DIR:=/backup}"
: "${BACKUP_RETENTION:=7}"
: "${BACKUP_MASTER_WAIT_SECONDS:=30}"
: "${BACKUP_DUMP_TIMEOUT:=1800}"
: "${REDIS_CHECK_RDB=redis-check-rdb}"

PARTIAL=""   # the folder this run writes; removed on failure
STARTED=$SECONDS

{ is_uint "$BACKUP_RETENTION" && (( BACKUP_RETENTION >= 1 )); } || die "BACKUP_RETENTION='$BACKUP_RETENTION' must be a whole number >= 1 (complete sets to keep)"
is_uint "$BACKUP_DUMP_TIMEOUT" || die "BACKUP_DUMP_TIMEOUT='$BACKUP_DUMP_TIMEOUT' must be a whole number of seconds"
is_uint "$BACKUP_MASTER_WAIT_SECONDS" || die "BACKUP_MASTER_WAIT_SECONDS='$BACKUP_MASTER_WAIT_SECONDS' must be a whole number of seconds"

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

prepare_volume() {
  local - d
  [[ -d "$BACKUP_DIR" ]] || die "backup volume $BACKUP_DIR does not exist (is the backup PVC mounted?)"
  [[ -w "$BACKUP_DIR" ]] || die "backup volume $BACKUP_DIR is not writable by uid $(id -u)"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$BACKUP_DIR/.backup.lock"
    flock -n 9 || die "another backup holds the lock $BACKUP_DIR/.backup.lock; two dumps never share a volume"
  else
    log "no flock on PATH: relying on the CronJob's concurrencyPolicy Forbid alone"
  fi
  set +f
  for d in "$BACKUP_DIR"/*.partial; do
    [[ -d "$d" ]] || continue
    rm -rf -- "$d"
    log "deleted stale $(basename "$d") (left by a run that was killed; it never became a set)"
  done
  log "backup volume $BACKUP_DIR: $(df -Pk "$BACKUP_DIR" | awk 'NR == 2 { printf "%d MiB free of %d MiB", $4 / 1024, $2 / 1024 }'); $(complete_sets | wc -l) complete set(s) before this run"
}

# find_master : sets M_HOST (as the Sentinels name it), M_PORT, M_IP, M_NAME (stable name, if a
# pod has that IP) and M_EPOCH, once the Sentinels name a master that answers ROLE master.
M_HOST="" M_PORT="" M_IP="" M_NAME="" M_EPOCH=""
find_master() {
  local start=$SECONDS why role rest
  while :; do
    ask_sentinels
    why=""
    if (( S_KNOWN == 0 )); then
      why="no Sentinel knows master set $MASTER_SET (${S_SUMMARY:-no Sentinel configured})"
    elif [[ "$V_CONFLICT" == yes ]]; then
      why="the Sentinels disagree at config-epoch $V_EPOCH ($S_SUMMARY)"
    elif [[ ",$V_FLAGS," == *,s_down,* || ",$V_FLAGS," == *,o_down,* ]]; then
      why="the Sentinels flag master $V_HOST:$V_PORT as down ($V_FLAGS): a failover is due"
    elif ! M_IP="$(resolve "$V_HOST")"; then
      why="master $V_HOST named by the Sentinels does not resolve"
    else
      read -r role rest <<<"$(role_of "$M_IP")"
      if [[ "$role" == master ]]; then
        M_HOST="$V_HOST" M_PORT="$V_PORT" M_EPOCH="$V_EPOCH" M_NAME="$(name_of_ip "$M_IP")"
        log "$V_VOTES of $S_REACHED reachable Sentinel(s) name master $M_HOST:$M_PORT (config-epoch $M_EPOCH)${M_NAME:+, pod $(short "$M_NAME")}, and it answers ROLE master"
        return 0
      fi
      why="master $V_HOST:$V_PORT named by the Sentinels answers ROLE $role ${rest:-}"
    fi
    (( SECONDS - start < BACKUP_MASTER_WAIT_SECONDS )) || die "$why; still after ${BACKUP_MASTER_WAIT_SECONDS}s: no backup without a master the Sentinels confirm"
    log "$why; asking again ($(( SECONDS - start ))s/${BACKUP_MASTER_WAIT_SECONDS}s)"
    sleep 2
  done
}

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
  find_master
  local info version keys run_id set created file="master.rdb" t0 problem
  info="$(rcli "$M_IP" INFO)" || die "master $M_HOST does not answer INFO: ${info%%$'\n'*}"
  is_error_reply "$info" && die "master $M_HOST: INFO: ${info%%$'\n'*}"
  version="$(field "$info" redis_version)"
  run_id="$(field "$info" run_id)"
  keys="$(awk -F'[:=,]' '$1 ~ /^db[0-9]+$/ { n += $3 } END { print n + 0 }' <<<"$info")"

  set="$(date -u '+%Y%m%dT%H%M%SZ')"
  while [[ -e "$BACKUP_DIR/$set" || -e "$BACKUP_DIR/$set.partial" ]]; do sleep 1; set="$(date -u '+%Y%m%dT%H%M%SZ')"; done
  created="$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  PARTIAL="$BACKUP_DIR/$set.partial"
  mkdir "$PARTIAL"
  log "dumping master $M_HOST:$M_PORT (run ID $run_id; $keys keys; redis $version) into $set.partial/$file"
  t0=$SECONDS
  if ! dump "$PARTIAL/$file" "$M_IP"; then
    die "redis-cli --rdb from $M_HOST failed: $(grep -v '^$' "$PARTIAL/$file.log" | tail -n 2 | tr -d '\r' | paste -sd ';' -)"
  fi
  problem="$(check_rdb "$PARTIAL/$file")"
  [[ -z "$problem" ]] || die "the dump of $M_HOST $problem"
  log "$(stat -c %s "$PARTIAL/$file") bytes from $M_HOST in $(( SECONDS - t0 ))s ($(tail -n 1 "$PARTIAL/$file.log" | tr -d '\r'))"
  rm -f "$PARTIAL/$file.log"

  # A failover during the dump leaves a complete snapshot of the old master, taken while it was
  # the master: kept, with a note.
  ask_sentinels
  if [[ -n "$V_HOST" && ( "$V_HOST" != "$M_HOST" || "$V_PORT" != "$M_PORT" ) ]]; then
    log "note: the Sentinels now name $V_HOST:$V_PORT (config-epoch $V_EPOCH): a failover happened during the dump; the dump is the old master's complete snapshot"
  fi

  local sha bytes
  sha="$(sha256sum "$PARTIAL/$file" | awk '{ print $1 }')"
  bytes="$(stat -c %s "$PARTIAL/$file")"
  printf '%s  %s\n' "$sha" "$file" > "$PARTIAL/SHA256SUMS"
  {
    printf '{\n'
    printf '  "format": 1,\n'
    printf '  "mode": "sentinel",\n'
    printf '  "set": %s,\n' "$(json_str "$set")"
    printf '  "createdAt": %s,\n' "$(json_str "$created")"
    printf '  "completedAt": %s,\n' "$(json_str "$(date -u '+%Y-%m-%dT%H:%M:%SZ')")"
    printf '  "statefulset": %s,\n' "$(json_str "$REDIS_STATEFULSET")"
    printf '  "masterSet": %s,\n' "$(json_str "$MASTER_SET")"
    printf '  "redisVersion": %s,\n' "$(json_str "$version")"
    printf '  "shards": [\n'
    printf '    {"index": 0, "role": "master", "nodeId": %s, "address": %s, "host": %s, "configEpoch": %s, "file": %s, "bytes": %s, "sha256": %s, "redisVersion": %s, "keys": %s}\n' \
      "$(json_str "$run_id")" "$(json_str "$M_IP:$M_PORT")" "$(json_str "${M_NAME:-$M_HOST}")" "${M_EPOCH:-0}" "$(json_str "$file")" "$bytes" "$(json_str "$sha")" "$(json_str "$version")" "$keys"
    printf '  ]\n'
    printf '}\n'
  } > "$PARTIAL/manifest.json.tmp"
  mv "$PARTIAL/manifest.json.tmp" "$PARTIAL/manifest.json"
  sync -f "$PARTIAL/manifest.json" 2>/dev/null || sync
  mv "$PARTIAL" "$BACKUP_DIR/$set"
  PARTIAL=""
  log "set $set complete: $file, $bytes bytes, sha256 $sha, $(( SECONDS - STARTED ))s in total"

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
