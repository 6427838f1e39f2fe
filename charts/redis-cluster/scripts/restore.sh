#!/usr/bin/env bash
# restore.sh: the `restore` init container of every Redis pod when restore.fromSet is set. It
# seeds an EMPTY data volume with the RDB of one shard of a backup set (see backup.sh), before
# start-node.sh and redis-server run; the normal start and the bootstrap Job then build the
# cluster around the seeded masters. Decisions, each logged on one line:
#
#   1. The volume already holds data (nodes.conf, an RDB, an AOF, or an earlier restore's marker):
#      never touched; exit 0.
#   2. A peer is already in a formed cluster (it knows other nodes and has slots): this volume is
#      empty because the pod lost it, not because the deployment is new; seeding old data into a
#      running cluster would be wrong, so nothing is restored; exit 0.
#   3. The set must be complete (a manifest.json, not a `.partial` folder), of mode cluster, with
#      one shard per shard of this release and the SAME slot layout (the even split over SHARDS,
#      or SLOTS = cluster.slots): else it fails, naming the layout the set needs.
#   4. The layout is shard-major: pod p belongs to shard p / (1 + REPLICAS_PER_SHARD), and the first
#      pod of each group is the shard's first master (bootstrap.sh gives it the shard's slots). The
#      other pods get nothing: they copy the data from their master once the bootstrap attaches them.
#   5. The first master of shard s gets the RDB whose slot ranges equal shard s's: copied into a
#      staging folder on the data volume, its sha256 checked against the manifest, then moved into
#      place in one rename: as the AOF base (`<appenddirname>/<appendfilename>.1.base.rdb` plus an
#      AOF manifest) when the config says `appendonly yes`, else as `<dbfilename>`. Redis 7.0 with
#      appendonly yes IGNORES a dump.rdb when no AOF exists and starts empty (it then writes an
#      empty AOF base), so with AOF the RDB must BE the AOF base. A marker file `restored-from`
#      records what was restored. At its first start, redis-server loads the keys and claims the
#      slots that hold keys ("I have keys for unassigned slot"); the bootstrap assigns the rest of
#      the shard's range and builds the cluster.
#
# Extra environment (see lib.sh for the shared contract: DATA_DIR, CONF_DIR, POD_NAME, SHARDS,
# REPLICAS_PER_SHARD, HEADLESS_SERVICE, STATEFULSET, RESOLVE_CMD, REDIS_PASSWORD, REDIS_TLS):
#   RESTORE_SET           ""        the set to restore (restore.fromSet); empty: nothing to do
#   BACKUP_DIR            /backup   the backup volume (mounted read-only)
#   SLOTS                 ""        cluster.slots joined by ";" (empty: even split over SHARDS)
#   RESTORE_PEER_TIMEOUT  2         seconds per peer for the "is there a cluster already" check
set -euo pipefail
SCRIPT_NAME=restore
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f

: "${RESTORE_SET:=}"
: "${BACKUP_DIR:=/backup}"
: "${SLOTS:=}"
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

# existing_data : what on the volume is data (nothing when the volume is empty).
existing_data() {
  local found=()
  [[ -e "$DATA_DIR/nodes.conf" ]] && found+=("nodes.conf")
  [[ -e "$DATA_DIR/$DB_FILE" ]] && found+=("$DB_FILE")
  [[ -d "$DATA_DIR/$AOF_DIR" ]] && [[ -n "$(ls -A "$DATA_DIR/$AOF_DIR" 2>/dev/null)" ]] && found+=("$AOF_DIR/")
  [[ -e "$DATA_DIR/appendonly.aof" ]] && found+=("appendonly.aof")
  [[ -e "$MARKER" ]] && found+=("restored-from ($(head -n 1 "$MARKER"))")
  printf '%s\n' "${found[*]}"
}

# formed_cluster_peer : "<name> (<ip>): N nodes, M slots" of a peer in a formed cluster, or fails.
formed_cluster_peer() {
  local name ip info known assigned
  while read -r name; do
    [[ "$name" == "$(self_name)" ]] && continue
    ip="$(resolve "$name")" || continue
    info="$(CLI_TIMEOUT=$RESTORE_PEER_TIMEOUT rcli_ok "$ip" CLUSTER INFO)" || continue
    known="$(field "$info" cluster_known_nodes)"; assigned="$(field "$info" cluster_slots_assigned)"
    if is_uint "$known" && is_uint "$assigned" && (( known > 1 && assigned > 0 )); then
      printf '%s (%s): %s nodes, %s slots assigned\n' "$name" "$ip" "$known" "$assigned"
      return 0
    fi
  done < <(peer_names)
  return 1
}

# cluster_slots_value LAYOUT_LINES : the layout as a cluster.slots value, e.g. ["0-5000","5001-16383"].
cluster_slots_value() { awk 'NF { printf "%s\"%s\"", (n++ ? "," : "["), $1 } END { print "]" }'; }

main() {
  [[ -n "$RESTORE_SET" ]] || { log "RESTORE_SET is empty: nothing to restore"; exit 0; }
  [[ "$RESTORE_SET" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ && "$RESTORE_SET" != *..* ]] || die "restore.fromSet '$RESTORE_SET' is not a set name (a folder name on the backup volume, e.g. 20261125T021700Z)"
  local ordinal="${POD_NAME##*-}"
  is_uint "$ordinal" || die "POD_NAME '$POD_NAME' does not end in a StatefulSet ordinal"
  ordinal=$(( 10#$ordinal ))
  local group shard
  group="$(group_size)"; shard=$(( ordinal / group ))

  local data
  data="$(existing_data)"
  if [[ -n "$data" ]]; then
    log "the data volume already holds data ($data): never overwritten; not restoring set $RESTORE_SET"
    exit 0
  fi
  local peer
  if peer="$(formed_cluster_peer)"; then
    log "this volume is empty but peer $peer is in a formed cluster: the pod lost its volume, the deployment is not new; not restoring set $RESTORE_SET (it joins the cluster as a new node). Remove restore.fromSet once a restore is done"
    exit 0
  fi

  local dir="$BACKUP_DIR/$RESTORE_SET" manifest
  manifest="$dir/manifest.json"
  if [[ ! -s "$manifest" ]]; then
    local sets
    sets="$(complete_sets | tail -n 10 | paste -sd ' ' -)"
    [[ -d "$dir.partial" ]] && die "set $RESTORE_SET is incomplete ($RESTORE_SET.partial: a backup that did not finish); choose a complete set: ${sets:-none on $BACKUP_DIR}"
    [[ -d "$dir" ]] && die "set $RESTORE_SET has no manifest.json: not a complete backup set; complete sets: ${sets:-none on $BACKUP_DIR}"
    die "no backup set $RESTORE_SET on $BACKUP_DIR; the newest complete sets: ${sets:-none}"
  fi
  local mode
  mode="$(manifest_field "$manifest" mode)"
  [[ "$mode" == cluster ]] || die "set $RESTORE_SET is a backup of a ${mode:-unknown}-mode deployment, not of a Redis Cluster: restore it with the chart it came from"

  # The set's layout against this release's layout.
  local -a set_slots=() set_rows=() ours=()
  local row
  while read -r row; do set_rows+=("$row"); set_slots+=("${row%% *}"); done < <(manifest_shards "$manifest")
  mapfile -t ours < <(cluster_layout)
  local needs
  needs="cluster.shards=${#set_slots[@]} and cluster.slots=$(printf '%s\n' "${set_slots[@]}" | cluster_slots_value)"
  [[ "$(printf '%s\n' "${set_slots[@]}")" == "$(even_layout "${#set_slots[@]}")" ]] && needs="cluster.shards=${#set_slots[@]} and cluster.slots=[] (the even split)"
  local s match mismatch=""
  (( ${#set_slots[@]} == SHARDS )) || mismatch="the set has ${#set_slots[@]} shard(s), this release has $SHARDS"
  if [[ -z "$mismatch" ]]; then
    for (( s = 0; s < SHARDS; s++ )); do
      match=""; for row in "${set_slots[@]}"; do [[ "$row" == "${ours[s]}" ]] && match=yes; done
      [[ -n "$match" ]] || { mismatch="shard $s of this release gets slots ${ours[s]}, which no shard of the set has"; break; }
    done
  fi
  if [[ -n "$mismatch" ]]; then
    die "set $RESTORE_SET does not fit this release's slot layout ($mismatch). The set's layout: $(joined ' | ' "${set_slots[@]}"); this release's: $(joined ' | ' "${ours[@]}"). Restoring it needs $needs"
  fi

  if (( shard >= SHARDS )); then
    log "pod $POD_NAME is beyond the $SHARDS shards of the set: nothing to seed"
    exit 0
  fi
  if (( ordinal % group != 0 )); then
    log "pod $POD_NAME is a replica of shard $shard (pods of a shard: $(( shard * group ))..$(( shard * group + group - 1 ))): nothing to seed; it copies shard $shard's data from its master once the bootstrap attaches it"
    exit 0
  fi

  local slots file bytes sha node addr
  for row in "${set_rows[@]}"; do
    read -r slots file bytes sha node addr <<<"$row"
    [[ "$slots" == "${ours[shard]}" ]] && break
  done
  [[ "$file" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "manifest.json of set $RESTORE_SET names the file '$file' for shard $shard: not a plain file name"
  local src="$dir/$file"
  [[ -s "$src" ]] || die "set $RESTORE_SET: $file (shard $shard, slots $slots) is missing or empty"
  local have
  have="$(stat -c %s "$src")"
  [[ "$have" == "$bytes" ]] || die "set $RESTORE_SET: $file has $have bytes, the manifest says $bytes: the set is damaged"
  log "pod $POD_NAME is the first master of shard $shard (slots $slots): seeding it from set $RESTORE_SET, $file ($bytes bytes, taken from node $node at $addr)"

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
  printf '%s shard %s slots %s file %s sha256 %s restored %s\n' "$RESTORE_SET" "$shard" "$slots" "$file" "$sha" "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" > "$MARKER"
  rm -rf -- "$STAGE"
  log "done in $(( SECONDS - t0 ))s: shard $shard seeded from set $RESTORE_SET (sha256 verified)"
}

main "$@"
