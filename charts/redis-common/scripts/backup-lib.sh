#!/usr/bin/env bash
# backup-lib.sh: the backup set format, and the steps of a backup run and of a restore that both
# Redis charts share. redis-cluster and redis-sentinel each link this file into their scripts/
# (scripts/backup-lib.sh -> ../../redis-common/scripts/backup-lib.sh); backup.sh and restore.sh
# source it after the chart's lib.sh, it is never run. It relies on what both charts' lib.sh
# define: log, die, is_uint, DATA_DIR, cli_conn (cli-lib.sh, which lib.sh sources) and the
# redis-cli settings REDIS_CLI, REDIS_PORT, REDIS_PASSWORD, REDIS_USER, REDIS_TLS, TLS_DIR;
# restore.sh also sources data-lib.sh (data_conf). What is chart-specific (finding the master(s)
# to dump, the manifest's chart fields, which pod a restore seeds) stays in each chart's backup.sh
# and restore.sh; the set format is described in each chart's backup.sh and README.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

# ---- the set format ----------------------------------------------------------------------------
# A complete set is a folder named after its UTC start time that holds a manifest.json; a run in
# progress (or one that died) writes <name>.partial, which is never a set.
SET_RE='^[0-9]{8}T[0-9]{6}Z$'

# json_str TEXT : TEXT as a JSON string (the values written are IDs, addresses, versions).
json_str() { local s="$1"; s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

# server_of INFO : "<server> <version>" of the server that gave INFO: `valkey <valkey_version>`
# (Valkey also answers redis_version 7.2.4, the Redis version it is compatible with), else
# `redis <redis_version>`. Needs the chart's field() (lib.sh).
server_of() {
  if [[ "$(field "$1" server_name)" == valkey ]]; then
    printf 'valkey %s' "$(field "$1" valkey_version)"
  else
    printf 'redis %s' "$(field "$1" redis_version)"
  fi
}

# joined SEP WORD... : the words joined by SEP.
joined() { local sep="$1" out="" w; shift; for w in "$@"; do out+="${out:+$sep}$w"; done; printf '%s\n' "$out"; }

# complete_sets : names of the complete sets in $BACKUP_DIR, oldest first.
complete_sets() {
  local - d name
  set +f
  for d in "$BACKUP_DIR"/*/; do
    name="$(basename "$d")"
    [[ "$name" =~ $SET_RE && -s "$d/manifest.json" ]] && printf '%s\n' "$name"
  done | sort
  return 0
}

# manifest_field FILE KEY : the top-level string or number KEY of a manifest.json ("" when absent).
manifest_field() {
  sed -n -E "s/^  \"$2\": \"?([^\",]*)\"?,?\$/\\1/p" "$1" | head -n 1
}

# manifest_shards FILE FIELD... : one line per shard object of a manifest.json, the values of the
# named FIELDs in that order, separated by spaces (e.g. `manifest_shards m.json file bytes sha256`).
# A field is a JSON string or a whole number; backup.sh writes each shard object on one line, which
# is what this reads.
manifest_shards() {
  local file="$1" line f
  local -a values=()
  shift
  while IFS= read -r line; do
    [[ "$line" == *'"index":'* ]] || continue
    values=()
    for f in "$@"; do values+=("$(sed -E "s/.*\"$f\": (\"([^\"]*)\"|([0-9]+)).*/\\2\\3/" <<<"$line")"); done
    (IFS=' '; printf '%s\n' "${values[*]}")
  done < "$file"
}

# ---- a backup run (backup.sh) ------------------------------------------------------------------
# backup_begin [VAR...] : checks the settings every backup run has (BACKUP_RETENTION,
# BACKUP_DUMP_TIMEOUT, REDIS_CHECK_RDB; defaults in backup.sh's header) and the chart's own settings
# VAR..., each a whole number of seconds; then arms the EXIT trap: a run that fails removes its own
# <set>.partial folder and says so. Sets PARTIAL (the folder this run writes) and STARTED.
# shellcheck disable=SC2120  # the arguments are optional: one chart passes some, the other none
backup_begin() {
  local var
  PARTIAL=""
  STARTED=$SECONDS
  : "${BACKUP_RETENTION:=7}"
  : "${BACKUP_DUMP_TIMEOUT:=1800}"
  : "${REDIS_CHECK_RDB=redis-check-rdb}"
  { is_uint "$BACKUP_RETENTION" && (( BACKUP_RETENTION >= 1 )); } || die "BACKUP_RETENTION='$BACKUP_RETENTION' must be a whole number >= 1 (complete sets to keep)"
  for var in BACKUP_DUMP_TIMEOUT "$@"; do
    is_uint "${!var}" || die "$var='${!var}' must be a whole number of seconds"
  done
  trap on_exit EXIT
  trap 'exit 143' TERM INT  # so that on_exit runs when the Job is stopped (activeDeadlineSeconds)
}

on_exit() {
  local rc=$?
  if (( rc != 0 )) && [[ -n "$PARTIAL" && -d "$PARTIAL" ]]; then
    rm -rf -- "$PARTIAL"
    log "removed the incomplete set $(basename "$PARTIAL") (this run failed; existing sets are untouched)"
  fi
  (( rc == 0 )) || log "FAILED after $(( SECONDS - STARTED ))s (exit $rc); no set was added and none was deleted"
}

# prepare_volume : step 1 of a run: the backup volume exists and is writable, this run holds its
# lock (flock), and the `<set>.partial` folders of runs that died are gone.
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

# new_set : names this run's set after the UTC time (a second later while that name is taken) and
# creates its folder: SET_NAME, SET_CREATED (ISO time) and PARTIAL (`<set>.partial`).
new_set() {
  SET_NAME="$(date -u '+%Y%m%dT%H%M%SZ')"
  while [[ -e "$BACKUP_DIR/$SET_NAME" || -e "$BACKUP_DIR/$SET_NAME.partial" ]]; do sleep 1; SET_NAME="$(date -u '+%Y%m%dT%H%M%SZ')"; done
  SET_CREATED="$(date -u '+%Y-%m-%dT%H:%M:%SZ')"
  PARTIAL="$BACKUP_DIR/$SET_NAME.partial"
  mkdir "$PARTIAL"
}

# dump FILE HOST : `redis-cli --rdb` of HOST into FILE (password via REDISCLI_AUTH); output in FILE.log.
dump() {
  local file="$1" host="$2"
  cli_conn "${REDIS_USER:-}" "$REDIS_PASSWORD"
  # --foreground keeps timeout (and redis-cli) in this script's process group, so stopping the
  # script stops the dump too; 9>&- keeps the volume lock out of the child.
  env "${CLI_ENV[@]}" timeout --foreground "$BACKUP_DUMP_TIMEOUT" "$REDIS_CLI" --no-auth-warning -h "$host" -p "$REDIS_PORT" "${CLI_ARGS[@]}" --rdb "$file" > "$file.log" 2>&1 9>&-
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

# rdb_keys FILE : the number of keys in the RDB file, as redis-check-rdb reads them ("[info] N keys
# read"); empty when redis-check-rdb is not available. The manifest records this, not the INFO
# count before the dump: writes and expiries between INFO and the dump would make a good set
# disagree with its own manifest, and the restore drill compares the two.
rdb_keys() {
  [[ -n "$REDIS_CHECK_RDB" ]] && command -v "$REDIS_CHECK_RDB" >/dev/null 2>&1 || return 0
  "$REDIS_CHECK_RDB" "$1" 2>&1 | sed -n -E 's/^\[info\] ([0-9]+) keys read$/\1/p' | head -n 1
}

# sum_file FILE : FILE_SHA (sha256) and FILE_BYTES of $PARTIAL/FILE; adds its line to SHA256SUMS.
sum_file() {
  FILE_SHA="$(sha256sum "$PARTIAL/$1" | awk '{ print $1 }')"
  FILE_BYTES="$(stat -c %s "$PARTIAL/$1")"
  printf '%s  %s\n' "$FILE_SHA" "$1" >> "$PARTIAL/SHA256SUMS"
}

# finish_set MODE SHARDS [KEY JSON]... : writes manifest.json (format 1, MODE, the set's name and
# times, each KEY with its JSON value in order, then the shard objects SHARDS, one per line joined
# by ",\n") and renames `<set>.partial` to `<set>`: from then on the set is complete.
finish_set() {
  local mode="$1" shards="$2"
  shift 2
  {
    printf '{\n'
    printf '  "format": 1,\n'
    printf '  "mode": %s,\n' "$(json_str "$mode")"
    printf '  "set": %s,\n' "$(json_str "$SET_NAME")"
    printf '  "createdAt": %s,\n' "$(json_str "$SET_CREATED")"
    printf '  "completedAt": %s,\n' "$(json_str "$(date -u '+%Y-%m-%dT%H:%M:%SZ')")"
    while (( $# >= 2 )); do printf '  "%s": %s,\n' "$1" "$2"; shift 2; done
    printf '  "shards": [\n%s\n  ]\n' "$shards"
    printf '}\n'
  } > "$PARTIAL/manifest.json.tmp"
  mv "$PARTIAL/manifest.json.tmp" "$PARTIAL/manifest.json"
  sync -f "$PARTIAL/manifest.json" 2>/dev/null || sync
  mv "$PARTIAL" "$BACKUP_DIR/$SET_NAME"
  PARTIAL=""
}

# prune : the last step: keeps the newest BACKUP_RETENTION complete sets, deletes older ones.
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

# ---- a restore (restore.sh) --------------------------------------------------------------------
# restore_begin : RESTORE_SET empty: nothing to restore (exit 0); not a plain set name: fails. Then
# the data file names of the base redis.conf (data_conf, data-lib.sh), MARKER (the file that
# records a restore) and STAGE (the staging folder on the data volume).
restore_begin() {
  [[ -n "$RESTORE_SET" ]] || { log "RESTORE_SET is empty: nothing to restore"; exit 0; }
  [[ "$RESTORE_SET" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ && "$RESTORE_SET" != *..* ]] || die "restore.fromSet '$RESTORE_SET' is not a set name (a folder name on the backup volume, e.g. 20261125T021700Z)"
  data_conf
  MARKER="$DATA_DIR/restored-from"
  STAGE="$DATA_DIR/.restore-staging"
}

# existing_data [FILE...] : what on the volume is data, one word each: every FILE given (a chart's
# own state, e.g. nodes.conf) that exists, the RDB, a non-empty AOF folder, an old single-file
# appendonly.aof, an earlier restore's marker. Nothing when the volume is empty.
existing_data() {
  local found=() f
  for f in "$@"; do
    if [[ -e "$DATA_DIR/$f" ]]; then found+=("$f"); fi
  done
  [[ -e "$DATA_DIR/$DB_FILE" ]] && found+=("$DB_FILE")
  [[ -d "$DATA_DIR/$AOF_DIR" ]] && [[ -n "$(ls -A "$DATA_DIR/$AOF_DIR" 2>/dev/null)" ]] && found+=("$AOF_DIR/")
  [[ -e "$DATA_DIR/appendonly.aof" ]] && found+=("appendonly.aof")
  [[ -e "$MARKER" ]] && found+=("restored-from ($(head -n 1 "$MARKER"))")
  printf '%s\n' "${found[*]}"
}

# keep_existing_data [FILE...] : when the volume already holds data (existing_data FILE...), says so
# and exits 0: a restore never overwrites data.
# shellcheck disable=SC2120  # the arguments are optional: one chart passes some, the other none
keep_existing_data() {
  local data
  data="$(existing_data "$@")"
  if [[ -n "$data" ]]; then
    log "the data volume already holds data ($data): never overwritten; not restoring set $RESTORE_SET"
    exit 0
  fi
}

# open_set MODE WHAT : SET_DIR and SET_MANIFEST of RESTORE_SET on the backup volume. Fails, naming
# the complete sets there, when the set is missing or incomplete, and when it is not a backup of
# a MODE-mode deployment (WHAT, e.g. "a Redis Cluster", names one in the message).
open_set() {
  local sets mode
  SET_DIR="$BACKUP_DIR/$RESTORE_SET"
  SET_MANIFEST="$SET_DIR/manifest.json"
  if [[ ! -s "$SET_MANIFEST" ]]; then
    sets="$(complete_sets | tail -n 10 | paste -sd ' ' -)"
    [[ -d "$SET_DIR.partial" ]] && die "set $RESTORE_SET is incomplete ($RESTORE_SET.partial: a backup that did not finish); choose a complete set: ${sets:-none on $BACKUP_DIR}"
    [[ -d "$SET_DIR" ]] && die "set $RESTORE_SET has no manifest.json: not a complete backup set; complete sets: ${sets:-none on $BACKUP_DIR}"
    die "no backup set $RESTORE_SET on $BACKUP_DIR; the newest complete sets: ${sets:-none}"
  fi
  mode="$(manifest_field "$SET_MANIFEST" mode)"
  [[ "$mode" == "$1" ]] || die "set $RESTORE_SET is a backup of a ${mode:-unknown}-mode deployment, not of $2: restore it with the chart it came from"
  # Valkey writes RDB format 11, which Redis 7 refuses to load (the server would exit on every
  # start): a Valkey set restores into engine valkey only. A set without `server` is Redis'.
  local server this
  server="$(manifest_field "$SET_MANIFEST" server)"
  this="$("$REDIS_SERVER" --version 2>/dev/null | awk '{ print tolower($1) }')"
  if [[ "$server" == valkey && "$this" == redis ]]; then
    die "set $RESTORE_SET was written by valkey $(manifest_field "$SET_MANIFEST" serverVersion) (RDB format 11), and this release runs redis $("$REDIS_SERVER" --version | awk '{ print $3 }' | sed 's/^v=//'), which cannot load it: restore it into an environment with engine: valkey (Redis -> Valkey is supported, Valkey -> Redis is not)"
  fi
}

# check_set_file FILE BYTES [FOR [ABOUT]] : FILE, named by the manifest, is a plain file name, and
# the set holds it with BYTES bytes; else fails. FOR ("for shard 1") follows the file name in the
# message about the name, ABOUT ("shard 1, slots 0-5460") in brackets the one about a missing file.
check_set_file() {
  local file="$1" bytes="$2" named_for="${3:-}" about="${4:-}" have
  [[ "$file" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "manifest.json of set $RESTORE_SET names the file '$file'${named_for:+ $named_for}: not a plain file name"
  [[ -s "$SET_DIR/$file" ]] || die "set $RESTORE_SET: $file${about:+ ($about)} is missing or empty"
  have="$(stat -c %s "$SET_DIR/$file")"
  [[ "$have" == "$bytes" ]] || die "set $RESTORE_SET: $file has $have bytes, the manifest says $bytes: the set is damaged"
}

# seed_rdb FILE SHA WHO [DETAIL] : copies FILE of the set into STAGE on the data volume, checks its
# sha256 against SHA, then moves it into place in one rename: as the AOF base
# (`<appenddirname>/<appendfilename>.1.base.rdb` plus an AOF manifest) when the config says
# `appendonly yes`, else as `<dbfilename>`. Redis 7.0 with appendonly yes IGNORES a dump.rdb when
# no AOF exists and starts empty, so with AOF the RDB must BE the AOF base. Then writes MARKER
# "<set> [DETAIL ]file <file> sha256 <sha> restored <time>"; WHO ("pod 0") names the seeded one in
# the last log line.
seed_rdb() {
  local file="$1" sha="$2" who="$3" detail="${4:-}"
  rm -rf -- "$STAGE"
  mkdir -p "$STAGE"
  local t0=$SECONDS got
  cp "$SET_DIR/$file" "$STAGE/restore.rdb"
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
  printf '%s %sfile %s sha256 %s restored %s\n' "$RESTORE_SET" "${detail:+$detail }" "$file" "$sha" "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" > "$MARKER"
  rm -rf -- "$STAGE"
  log "done in $(( SECONDS - t0 ))s: $who seeded from set $RESTORE_SET (sha256 verified)"
}
