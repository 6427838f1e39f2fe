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
# Extra environment (see lib.sh for the shared contract: DATA_DIR, CONF_DIR, POD_NAME, the Redis
# pod names, RESOLVE_CMD, REDIS_PASSWORD, REDIS_TLS):
#   RESTORE_SET           ""        the set to restore (restore.fromSet); empty: nothing to do
#   BACKUP_DIR            /backup   the backup volume (mounted read-only)
#   RESTORE_PEER_TIMEOUT  2         seconds per pod for the "does a group hold data already" check
set -euo pipefail
SCRIPT_NAME=restore
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f

: "${RESTORE_SET:=}"
: "${BACKUP_DIR:=/backup}"
: "${RESTORE_PEER_TIMEOUT:=2}"

# conf_value KEY DEFAULT : the last value of KEY in the base redis.conf (unquoted), else DEFAULT.
conf_value() {
  local v=""
  [[ -r "$CONF_DIR/redis.conf" ]] && v="$(awk -v k="$1" 'tolower($1) == k { $1 = ""; v = $0 } END { print v }' "$CONF_DIR/redis.conf")"
  v="${v#"${v%%[![:space:]]*}"}"; v="${v%"${v##*[![:space:]]}"}"; v="${v#\"}"; v="${v%\"}"
  printf '%s\n' "${v:-$2}"
}

APPENDONLY="$(conf_value appendonly no)"
AOF_DIR="$(conf_value appenddirname appendonlydir)"
AOF_NAME="$(conf_value appendfilename appendonly.aof)"
DB_FILE="$(conf_value dbfilename dump.rdb)"
MARKER="$DATA_DIR/restored-from"
STAGE="$DATA_DIR/.restore-staging"
SELF_NAME="$(redis_stable_name "$POD_NAME")"

# existing_data : what on the volume is data (nothing when the volume is empty).
existing_data() {
  local found=()
  [[ -e "$DATA_DIR/$DB_FILE" ]] && found+=("$DB_FILE")
  [[ -d "$DATA_DIR/$AOF_DIR" ]] && [[ -n "$(ls -A "$DATA_DIR/$AOF_DIR" 2>/dev/null)" ]] && found+=("$AOF_DIR/")
  [[ -e "$DATA_DIR/appendonly.aof" ]] && found+=("appendonly.aof")
  [[ -e "$MARKER" ]] && found+=("restored-from ($(head -n 1 "$MARKER"))")
  printf '%s\n' "${found[*]}"
}

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
  [[ -n "$RESTORE_SET" ]] || { log "RESTORE_SET is empty: nothing to restore"; exit 0; }
  [[ "$RESTORE_SET" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ && "$RESTORE_SET" != *..* ]] || die "restore.fromSet '$RESTORE_SET' is not a set name (a folder name on the backup volume, e.g. 20261125T021700Z)"
  local ordinal
  ordinal="$(ordinal_of "$POD_NAME")" || die "POD_NAME '$POD_NAME' does not end in a StatefulSet ordinal"

  local data peer
  data="$(existing_data)"
  if [[ -n "$data" ]]; then
    log "the data volume already holds data ($data): never overwritten; not restoring set $RESTORE_SET"
    exit 0
  fi
  if peer="$(peer_with_data)"; then
    log "this volume is empty but $peer: the pod lost its volume, the deployment is not new; not restoring set $RESTORE_SET (it starts as a replica and copies the current data). Remove restore.fromSet once a restore is done"
    exit 0
  fi

  local dir="$BACKUP_DIR/$RESTORE_SET" manifest sets
  manifest="$dir/manifest.json"
  if [[ ! -s "$manifest" ]]; then
    sets="$(complete_sets | tail -n 10 | paste -sd ' ' -)"
    [[ -d "$dir.partial" ]] && die "set $RESTORE_SET is incomplete ($RESTORE_SET.partial: a backup that did not finish); choose a complete set: ${sets:-none on $BACKUP_DIR}"
    [[ -d "$dir" ]] && die "set $RESTORE_SET has no manifest.json: not a complete backup set; complete sets: ${sets:-none on $BACKUP_DIR}"
    die "no backup set $RESTORE_SET on $BACKUP_DIR; the newest complete sets: ${sets:-none}"
  fi
  local mode
  mode="$(manifest_field "$manifest" mode)"
  [[ "$mode" == sentinel ]] || die "set $RESTORE_SET is a backup of a ${mode:-unknown}-mode deployment, not of a Sentinel group: restore it with the chart it came from"
  local -a rows=()
  mapfile -t rows < <(manifest_shards "$manifest")
  (( ${#rows[@]} == 1 )) || die "set $RESTORE_SET lists ${#rows[@]} RDB files; a Sentinel set has exactly one (the master)"

  if (( ordinal != 0 )); then
    log "pod $POD_NAME is not pod 0: nothing to seed; it starts as a replica of pod 0, the first master, and copies the restored data"
    exit 0
  fi

  local file bytes sha node addr
  read -r file bytes sha node addr <<<"${rows[0]}"
  [[ "$file" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "manifest.json of set $RESTORE_SET names the file '$file': not a plain file name"
  local src="$dir/$file" have
  [[ -s "$src" ]] || die "set $RESTORE_SET: $file is missing or empty"
  have="$(stat -c %s "$src")"
  [[ "$have" == "$bytes" ]] || die "set $RESTORE_SET: $file has $have bytes, the manifest says $bytes: the set is damaged"
  log "pod $POD_NAME is pod 0, the first master: seeding it from set $RESTORE_SET, $file ($bytes bytes, taken from master $addr, run ID $node)"

  rm -rf -- "$STAGE"
  mkdir -p "$STAGE"
  local t0=$SECONDS got
  cp "$src" "$STAGE/restore.rdb"
  got="$(sha256sum "$STAGE/restore.rdb" | awk '{ print $1 }')"
  [[ "$got" == "$sha" ]] || die "sha256 of the copy of $file is $got, the manifest says $sha: the set (or the copy) is damaged; nothing was restored"
  if [[ "$APPENDONLY" == yes ]]; then
    mkdir "$STAGE/$AOF_DIR"
    mv "$STAGE/restore.rdb" "$STAGE/$AOF_DIR/$AOF_NAME.1.base.rdb"
    printf 'file %s.1.base.rdb seq 1 type b\n' "$AOF_NAME" > "$STAGE/$AOF_DIR/$AOF_NAME.manifest"
    sync
    mv "$STAGE/$AOF_DIR" "$DATA_DIR/$AOF_DIR"
    log "appendonly yes: the RDB is the AOF base $AOF_DIR/$AOF_NAME.1.base.rdb (with an AOF manifest); redis loads it at start"
  else
    sync
    mv "$STAGE/restore.rdb" "$DATA_DIR/$DB_FILE"
    log "appendonly no: the RDB is $DB_FILE; redis loads it at start"
  fi
  printf '%s file %s sha256 %s restored %s\n' "$RESTORE_SET" "$file" "$sha" "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" > "$MARKER"
  rm -rf -- "$STAGE"
  log "done in $(( SECONDS - t0 ))s: pod 0 seeded from set $RESTORE_SET (sha256 verified)"
}

main "$@"
