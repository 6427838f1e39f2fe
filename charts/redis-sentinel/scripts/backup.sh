#!/usr/bin/env bash
# backup.sh: the backup CronJob's command. Asks the Sentinels which pod is the master, dumps it
# into one backup SET on the backup volume, then prunes old sets. A set is a folder named after
# its UTC start time:
#
#   $BACKUP_DIR/<YYYYMMDDTHHMMSSZ>/
#     manifest.json   mode sentinel, the master set, and the master: run ID, address, file, bytes,
#                     sha256, redis version, keys in the file (the shard object on one line)
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
# What every backup run does the same way in both Redis charts (the settings checks, the failure
# trap, step 1, `redis-cli --rdb` and its check, writing SHA256SUMS and manifest.json, the rename,
# step 5) lives once in backup-lib.sh (charts/redis-common/scripts, linked here). This file keeps
# what is Sentinel-only: asking the Sentinels for the master, the master's shard object and the
# Sentinel fields of the manifest.
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
: "${BACKUP_MASTER_WAIT_SECONDS:=30}"
backup_begin BACKUP_MASTER_WAIT_SECONDS  # BACKUP_RETENTION, BACKUP_DUMP_TIMEOUT, REDIS_CHECK_RDB; the EXIT trap

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

main() {
  prepare_volume
  find_master
  local info version server keys run_id file="master.rdb" t0 problem
  info="$(rcli "$M_IP" INFO)" || die "master $M_HOST does not answer INFO: ${info%%$'\n'*}"
  is_error_reply "$info" && die "master $M_HOST: INFO: ${info%%$'\n'*}"
  version="$(field "$info" redis_version)"
  server="$(server_of "$info")"
  run_id="$(field "$info" run_id)"
  keys="$(awk -F'[:=,]' '$1 ~ /^db[0-9]+$/ { n += $3 } END { print n + 0 }' <<<"$info")"

  new_set
  log "dumping master $M_HOST:$M_PORT (run ID $run_id; $keys keys; redis $version) into $SET_NAME.partial/$file"
  t0=$SECONDS
  if ! dump "$PARTIAL/$file" "$M_IP"; then
    die "redis-cli --rdb from $M_HOST failed: $(grep -v '^$' "$PARTIAL/$file.log" | tail -n 2 | tr -d '\r' | paste -sd ';' -)"
  fi
  problem="$(check_rdb "$PARTIAL/$file")"
  [[ -z "$problem" ]] || die "the dump of $M_HOST $problem"
  local in_file; in_file="$(rdb_keys "$PARTIAL/$file")"
  [[ -n "$in_file" ]] && keys="$in_file"
  log "$(stat -c %s "$PARTIAL/$file") bytes, $keys keys from $M_HOST in $(( SECONDS - t0 ))s ($(tail -n 1 "$PARTIAL/$file.log" | tr -d '\r'))"
  rm -f "$PARTIAL/$file.log"

  # A failover during the dump leaves a complete snapshot of the old master, taken while it was
  # the master: kept, with a note.
  ask_sentinels
  if [[ -n "$V_HOST" && ( "$V_HOST" != "$M_HOST" || "$V_PORT" != "$M_PORT" ) ]]; then
    log "note: the Sentinels now name $V_HOST:$V_PORT (config-epoch $V_EPOCH): a failover happened during the dump; the dump is the old master's complete snapshot"
  fi

  local shard
  sum_file "$file"
  printf -v shard '    {"index": 0, "role": "master", "nodeId": %s, "address": %s, "host": %s, "configEpoch": %s, "file": %s, "bytes": %s, "sha256": %s, "redisVersion": %s, "keys": %s}' \
    "$(json_str "$run_id")" "$(json_str "$M_IP:$M_PORT")" "$(json_str "${M_NAME:-$M_HOST}")" "${M_EPOCH:-0}" "$(json_str "$file")" "$FILE_BYTES" "$(json_str "$FILE_SHA")" "$(json_str "$version")" "$keys"
  finish_set sentinel "$shard" \
    statefulset "$(json_str "$REDIS_STATEFULSET")" \
    masterSet "$(json_str "$MASTER_SET")" \
    redisVersion "$(json_str "$version")" \
    server "$(json_str "${server% *}")" \
    serverVersion "$(json_str "${server#* }")"
  log "set $SET_NAME complete: $file, $FILE_BYTES bytes, sha256 $FILE_SHA, $(( SECONDS - STARTED ))s in total"

  prune
}

main "$@"
