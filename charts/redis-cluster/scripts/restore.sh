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
# What a restore does the same way in both Redis charts (step 1, opening the set in step 3, the
# file checks, staged copy, placement and marker of step 5) lives once in backup-lib.sh and
# data-lib.sh (charts/redis-common/scripts, linked here). This file keeps what is cluster-only: the
# formed-cluster check, the slot layout, which pod gets which shard.
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
# shellcheck source-path=SCRIPTDIR source=data-lib.sh
. "$(dirname "$0")/data-lib.sh"
# shellcheck source-path=SCRIPTDIR source=backup-lib.sh
. "$(dirname "$0")/backup-lib.sh"
set -f  # slot lists are split unquoted (normalize_ranges), never globbed

: "${RESTORE_SET:=}"
: "${BACKUP_DIR:=/backup}"
: "${SLOTS:=}"
: "${RESTORE_PEER_TIMEOUT:=2}"

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
  restore_begin
  local ordinal="${POD_NAME##*-}"
  is_uint "$ordinal" || die "POD_NAME '$POD_NAME' does not end in a StatefulSet ordinal"
  ordinal=$(( 10#$ordinal ))
  local group shard
  group="$(group_size)"; shard=$(( ordinal / group ))

  keep_existing_data nodes.conf
  local peer
  if peer="$(formed_cluster_peer)"; then
    log "this volume is empty but peer $peer is in a formed cluster: the pod lost its volume, the deployment is not new; not restoring set $RESTORE_SET (it joins the cluster as a new node). Remove restore.fromSet once a restore is done"
    exit 0
  fi

  open_set cluster "a Redis Cluster"

  # The set's layout against this release's layout.
  local -a set_slots=() set_rows=() ours=()
  local row
  while read -r row; do set_rows+=("$row"); set_slots+=("${row%% *}"); done < <(manifest_shards "$SET_MANIFEST" slots file bytes sha256 nodeId address)
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
  check_set_file "$file" "$bytes" "for shard $shard" "shard $shard, slots $slots"
  log "pod $POD_NAME is the first master of shard $shard (slots $slots): seeding it from set $RESTORE_SET, $file ($bytes bytes, taken from node $node at $addr)"
  seed_rdb "$file" "$sha" "shard $shard" "shard $shard slots $slots"
}

main "$@"
