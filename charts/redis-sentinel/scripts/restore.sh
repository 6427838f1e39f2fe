#!/usr/bin/env bash
# restore.sh: the `restore` init container of every Redis pod when restore.fromSet is set. It
# seeds pod 0's EMPTY data volume with the master RDB of a backup set (see backup.sh), before
# start-redis.sh and redis-server run. On a new install no Sentinel knows a master yet, so the
# Sentinels monitor pod 0 and start-redis.sh makes it the master (it holds a dataset); the other
# pods start as its replicas and copy the data. Decisions, each logged on one line:
#
#   1. The volume already holds data (an RDB, an AOF, or an earlier restore's marker): never
#      touched; exit 0.
#   2. Another Redis pod already holds data (keys or a replication history): this volume is empty
#      because the pod lost it, not because the deployment is new; seeding old data next to a
#      running group would be wrong, so nothing is restored; exit 0.
#   3. The set must be complete (a manifest.json, not a `.partial` folder) and of mode sentinel.
#   4. Pod 0 gets the set's master.rdb: copied into a staging folder on the data volume, its
#      sha256 checked against the manifest, then moved into place in one rename: as the AOF base
#      (`<appenddirname>/<appendfilename>.1.base.rdb` plus an AOF manifest) when the config says
#      `appendonly yes`, else as `<dbfilename>`. Redis 7.0 with appendonly yes IGNORES a dump.rdb
#      when no AOF exists and starts empty, so with AOF the RDB must BE the AOF base. A marker
#      file `restored-from` records what was restored. Every other pod gets nothing.
#
# What a restore does the same way in both Redis charts (steps 1 and 3, the file checks, staged
# copy, placement and marker of step 4) lives once in backup-lib.sh and data-lib.sh
# (charts/redis-common/scripts, linked here). This file keeps what is Sentinel-only: the check for
# a group that holds data, and that pod 0 is the one seeded.
#
# Extra environment (see lib.sh for the shared contract: DATA_DIR, CONF_DIR, POD_NAME, the Redis
# pod names, RESOLVE_CMD, REDIS_PASSWORD, REDIS_TLS):
#   RESTORE_SET           ""        the set to restore (restore.fromSet); empty: nothing to do
#   BACKUP_DIR            /backup   the backup volume (mounted read-only)
#   RESTORE_PEER_TIMEOUT  2         seconds per pod for the "does a group hold data already" check
set -euo pipefail
SCRIPT_NAME=restore
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=data-lib.sh
. "$(dirname "$0")/data-lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f

: "${RESTORE_SET:=}"
: "${BACKUP_DIR:=/backup}"
: "${RESTORE_PEER_TIMEOUT:=2}"
SELF_NAME="$(redis_stable_name "$POD_NAME")"

# peer_with_data : "<pod> (<ip>) holds data (...)" of another Redis pod that holds a dataset, or fails.
peer_with_data() {
  local name ip info off keys
  while read -r name; do
    [[ "$name" == "$SELF_NAME" ]] && continue
    ip="$(resolve "$name")" || continue
    [[ "$ip" == "$POD_IP" ]] && continue
    info="$(CLI_TIMEOUT=$RESTORE_PEER_TIMEOUT rcli "$ip" INFO)" || continue
    is_error_reply "$info" && continue
    off="$(field "$info" master_repl_offset)"
    keys="$(awk -F'[:=,]' '$1 ~ /^db[0-9]+$/ { n += $3 } END { print n + 0 }' <<<"$info")"
    if (( keys > 0 )) || { is_uint "$off" && (( off > 0 )); }; then
      printf '%s (%s) holds data (role %s, %s keys, replication offset %s)\n' "$(short "$name")" "$ip" "$(field "$info" role)" "$keys" "${off:-0}"
      return 0
    fi
  done < <(redis_hosts)
  return 1
}

main() {
  restore_begin
  local ordinal
  ordinal="$(ordinal_of "$POD_NAME")" || die "POD_NAME '$POD_NAME' does not end in a StatefulSet ordinal"

  keep_existing_data
  local peer
  if peer="$(peer_with_data)"; then
    log "this volume is empty but $peer: the pod lost its volume, the deployment is not new; not restoring set $RESTORE_SET (it starts as a replica and copies the current data). Remove restore.fromSet once a restore is done"
    exit 0
  fi

  open_set sentinel "a Sentinel group"
  local -a rows=()
  mapfile -t rows < <(manifest_shards "$SET_MANIFEST" file bytes sha256 nodeId address)
  (( ${#rows[@]} == 1 )) || die "set $RESTORE_SET lists ${#rows[@]} RDB files; a Sentinel set has exactly one (the master)"

  if (( ordinal != 0 )); then
    log "pod $POD_NAME is not pod 0: nothing to seed; it starts as a replica of pod 0, the first master, and copies the restored data"
    exit 0
  fi

  local file bytes sha node addr
  read -r file bytes sha node addr <<<"${rows[0]}"
  check_set_file "$file" "$bytes"
  log "pod $POD_NAME is pod 0, the first master: seeding it from set $RESTORE_SET, $file ($bytes bytes, taken from master $addr, run ID $node)"
  seed_rdb "$file" "$sha" "pod 0"
}

main "$@"
