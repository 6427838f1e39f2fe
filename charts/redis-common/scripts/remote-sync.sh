#!/bin/sh
# remote-sync.sh: copies backup sets between the backup volume and an S3-compatible bucket with
# rclone. Both Redis charts share it: redis-cluster and redis-sentinel each link this file into
# their scripts/ (scripts/remote-sync.sh -> ../../redis-common/scripts/remote-sync.sh). It runs in
# the official rclone image (Alpine, busybox sh, no bash), so it is POSIX sh; the tests run it with
# Debian's dash and rclone. REMOTE_ACTION picks the job:
#
#   upload  the backup Job's main container, after backup.sh (an init container) wrote a complete
#           set. Steps, each logged on one line:
#           1. the newest complete set on the backup volume (a folder named like a set with a
#              manifest.json); when the bucket already holds it complete, nothing is uploaded;
#           2. its files are checked against its manifest.json (bytes and sha256) before anything
#              is sent;
#           3. the data files go first (rclone copy, every file but manifest.json), then rclone
#              check (or cryptcheck, with encryption) compares them with the local files; only
#              then manifest.json goes, last: a set without its manifest.json is incomplete by
#              definition, so an upload killed midway never leaves a set that looks complete;
#           4. retention in the bucket: the newest BACKUP_RETENTION complete sets stay; an older
#              complete set loses its manifest.json first (from then on it is incomplete), then
#              the rest; an incomplete set older than the newest complete one (an upload that
#              died) is deleted; a newer incomplete one is left alone.
#   fetch   the `fetch` init container of the Redis pods when restore.source is remote, before
#           restore.sh. It downloads RESTORE_SET into BACKUP_DIR (a scratch volume that
#           restore.sh then reads as the backup volume):
#           1. a data volume that already holds data (the files restore.sh counts as data, with
#              redis's default names) is never restored: nothing is downloaded, restore.sh says so;
#           2. a set without manifest.json in the bucket is refused (an upload that did not
#              finish), naming the complete sets there;
#           3. the whole set is downloaded into `<set>.partial`, every file named by the manifest
#              is checked (bytes and sha256): a missing or damaged object fails EVERY pod's fetch,
#              so no pod is seeded from a damaged set (never half a cluster); then the folder is
#              renamed to `<set>` and restore.sh checks the layout and seeds as for a local set.
#   drill-fetch  the `fetch` init container of the restore drill when backup.drill.source is
#           remote: the newest complete set in the bucket (or DRILL_SET) is downloaded and checked
#           as by fetch (steps 2 and 3) into BACKUP_DIR, a scratch volume drill.sh then drills; no
#           complete set in the bucket, a missing or a damaged object fails the drill.
#
# rclone is configured through the environment only (no config file, no secret on disk): the
# chart sets the remote `bucket` (RCLONE_CONFIG_BUCKET_TYPE=s3, _PROVIDER, _ENDPOINT, _REGION,
# _FORCE_PATH_STYLE, _NO_CHECK_BUCKET, _ACCESS_KEY_ID and _SECRET_ACCESS_KEY from a Secret). With
# REMOTE_CRYPT_PASSWORD set, this script adds the remote `crypt` on top of it (rclone crypt,
# standard name encryption: the bucket holds neither plaintext data nor plaintext file or set
# names), its password obscured here with `rclone obscure -` (read from stdin, never an argument).
#
# Environment:
#   REMOTE_ACTION          upload | fetch | drill-fetch
#   REMOTE_BUCKET          the bucket (it must exist)
#   REMOTE_PREFIX          ""          key prefix; sets are <prefix>/<set>/<file>
#   REMOTE_CRYPT_PASSWORD  ""          the rclone crypt password (empty: no encryption)
#   BACKUP_DIR             /backup     upload: the backup volume; fetch, drill-fetch: where the set is downloaded
#   BACKUP_RETENTION       7           upload: complete sets to keep in the bucket
#   RESTORE_SET            ""          fetch: the set to download (empty: nothing to do)
#   DRILL_SET              ""          drill-fetch: the set to download (empty: the newest complete)
#   DATA_DIR               /data       fetch: the data volume (read only)
#   RCLONE                 rclone      the rclone binary
set -eu
SCRIPT_NAME=remote-sync

log() { printf '%s %s: %s\n' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$SCRIPT_NAME" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }
is_uint() { case "${1:-}" in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
is_set_name() { case "$1" in [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) return 0 ;; *) return 1 ;; esac; }

: "${REMOTE_ACTION:=}"
: "${REMOTE_BUCKET:=}"
: "${REMOTE_PREFIX:=}"
: "${REMOTE_CRYPT_PASSWORD:=}"
: "${BACKUP_DIR:=/backup}"
: "${BACKUP_RETENTION:=7}"
: "${RESTORE_SET:=}"
: "${DRILL_SET:=}"
: "${DATA_DIR:=/data}"
: "${RCLONE:=rclone}"

command -v "$RCLONE" >/dev/null 2>&1 || die "$RCLONE is not on PATH (the container runs the rclone image)"
[ -n "$REMOTE_BUCKET" ] || die "REMOTE_BUCKET is empty: set backup.remote.bucket"
case "$REMOTE_BUCKET$REMOTE_PREFIX" in *..* | *:* | *' '*) die "backup.remote.bucket '$REMOTE_BUCKET' / prefix '$REMOTE_PREFIX' may hold no '..', ':' or space" ;; esac
REMOTE_PREFIX="$(printf '%s' "$REMOTE_PREFIX" | sed -e 's#^/*##' -e 's#/*$##')"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/remote-sync.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
trap 'exit 143' TERM INT

# rc ARG... : one rclone call with this script's fixed flags; its messages go to $WORK/rclone.log
# (its first error is quoted in the FATAL line). No config file: every remote comes from the env.
rc() { "$RCLONE" --config "" --retries 3 --low-level-retries 10 --stats 0 "$@" 2>"$WORK/rclone.log"; }
rc_error() {
  { grep ' ERROR : ' "$WORK/rclone.log" || grep -E 'Failed|error' "$WORK/rclone.log" || echo "rclone exited non-zero"; } | head -n 1 | sed -e 's/^[0-9/]* [0-9:]* //'
}

BUCKET_PATH="bucket:$REMOTE_BUCKET${REMOTE_PREFIX:+/$REMOTE_PREFIX}"
WHERE="s3://$REMOTE_BUCKET${REMOTE_PREFIX:+/$REMOTE_PREFIX}"
if [ -n "$REMOTE_CRYPT_PASSWORD" ]; then
  RCLONE_CONFIG_CRYPT_PASSWORD="$(printf '%s' "$REMOTE_CRYPT_PASSWORD" | "$RCLONE" obscure -)" || die "rclone obscure failed"
  RCLONE_CONFIG_CRYPT_TYPE=crypt
  RCLONE_CONFIG_CRYPT_REMOTE="$BUCKET_PATH"
  export RCLONE_CONFIG_CRYPT_TYPE RCLONE_CONFIG_CRYPT_REMOTE RCLONE_CONFIG_CRYPT_PASSWORD
  ROOT="crypt:"
  WHERE="$WHERE (rclone crypt: names and data encrypted)"
else
  ROOT="$BUCKET_PATH/"
fi

# ---- the set format (see backup-lib.sh) -------------------------------------------------------
# manifest_files MANIFEST : "file bytes sha256" of every shard object of a manifest.json (one per
# line, as backup.sh writes them).
manifest_files() {
  sed -n '/"index":/ s/.*"file": "\([^"]*\)", "bytes": \([0-9]*\), "sha256": "\([0-9a-f]*\)".*/\1 \2 \3/p' "$1"
}

# check_set DIR SET : PROBLEM says why the set in DIR does not match its manifest.json (a file the
# manifest names missing, of another size or another sha256; the manifest of another set), or is
# empty. SET_FILES and SET_BYTES count what was checked.
check_set() {
  dir="$1" set="$2" SET_FILES=0 SET_BYTES=0 PROBLEM=""
  [ -s "$dir/manifest.json" ] || { PROBLEM="has no manifest.json"; return 0; }
  named="$(sed -n 's/^  "set": "\([^"]*\)",$/\1/p' "$dir/manifest.json")"
  [ "$named" = "$set" ] || { PROBLEM="has the manifest.json of set '${named:-?}'"; return 0; }
  manifest_files "$dir/manifest.json" > "$WORK/files"
  [ -s "$WORK/files" ] || { PROBLEM="has a manifest.json that names no data file"; return 0; }
  while read -r file bytes sha; do
    case "$file" in [A-Za-z0-9]*) ;; *) PROBLEM="has a manifest.json naming '$file', not a plain file name"; return 0 ;; esac
    case "$file" in */* | *..*) PROBLEM="has a manifest.json naming '$file', not a plain file name"; return 0 ;; esac
    [ -f "$dir/$file" ] || { PROBLEM="lacks $file"; return 0; }
    have="$(wc -c < "$dir/$file" | tr -d ' ')"
    [ "$have" = "$bytes" ] || { PROBLEM="has $file with $have bytes, the manifest says $bytes"; return 0; }
    got="$(sha256sum "$dir/$file" | cut -d ' ' -f 1)"
    [ "$got" = "$sha" ] || { PROBLEM="has $file with sha256 $got, the manifest says $sha"; return 0; }
    SET_FILES=$((SET_FILES + 1)) SET_BYTES=$((SET_BYTES + bytes))
  done < "$WORK/files"
  return 0
}

# list_bucket : every "<set>/<file>" under the prefix into $WORK/listing; BUCKET_COMPLETE (sets
# with a manifest.json) and BUCKET_ALL (every set-named folder), oldest first, space separated.
list_bucket() {
  rc lsf -R --files-only "$ROOT" > "$WORK/listing" || die "listing $WHERE failed: $(rc_error)"
  BUCKET_COMPLETE="$(sed -n 's#^\([0-9]\{8\}T[0-9]\{6\}Z\)/manifest\.json$#\1#p' "$WORK/listing" | sort | tr '\n' ' ')"
  BUCKET_ALL="$(sed -n 's#^\([0-9]\{8\}T[0-9]\{6\}Z\)/.*#\1#p' "$WORK/listing" | sort -u | tr '\n' ' ')"
  BUCKET_COMPLETE="${BUCKET_COMPLETE% }" BUCKET_ALL="${BUCKET_ALL% }"
}

# last_words N LIST : the last N words of LIST.
last_words() {
  keep="$1"
  # shellcheck disable=SC2086  # split on purpose
  set -- $2
  if [ "$#" -gt "$keep" ]; then shift $(($# - keep)); fi
  echo "$*"
}
in_list() { case " $2 " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# shellcheck disable=SC2086  # count LIST : the number of words of LIST (split on purpose)
count() { set -- $1; echo $#; }

# ---- upload ------------------------------------------------------------------------------------
upload() {
  { is_uint "$BACKUP_RETENTION" && [ "$BACKUP_RETENTION" -ge 1 ]; } || die "BACKUP_RETENTION='$BACKUP_RETENTION' must be a whole number >= 1 (complete sets to keep)"
  [ -d "$BACKUP_DIR" ] || die "backup volume $BACKUP_DIR does not exist (is the backup PVC mounted?)"
  newest=""
  for d in "$BACKUP_DIR"/*/; do
    name="$(basename "$d")"
    is_set_name "$name" && [ -s "$d/manifest.json" ] && newest="$name"
  done
  [ -n "$newest" ] || die "no complete set on $BACKUP_DIR: nothing to upload (did backup.sh run?)"
  list_bucket
  log "bucket $WHERE: $(count "$BUCKET_COMPLETE") complete set(s)${BUCKET_COMPLETE:+ ($BUCKET_COMPLETE)}; the newest local set is $newest"
  if in_list "$newest" "$BUCKET_COMPLETE"; then
    log "set $newest is already complete in the bucket: nothing to upload"
  else
    t0="$(date +%s)"
    check_set "$BACKUP_DIR/$newest" "$newest"
    [ -z "$PROBLEM" ] || die "set $newest on the backup volume $PROBLEM: not uploaded"
    files="$SET_FILES" bytes="$SET_BYTES"
    in_list "$newest" "$BUCKET_ALL" && log "set $newest is in the bucket without manifest.json (an upload that died): uploading it again"
    log "uploading set $newest ($files data file(s), $bytes bytes, checked against its manifest): the data files first, manifest.json last"
    rc copy --exclude manifest.json "$BACKUP_DIR/$newest" "$ROOT$newest" || die "uploading the data files of set $newest failed: $(rc_error); manifest.json was not uploaded, so the bucket holds no complete set $newest"
    if [ -n "$REMOTE_CRYPT_PASSWORD" ]; then
      rc cryptcheck --one-way --exclude manifest.json "$BACKUP_DIR/$newest" "$ROOT$newest" || die "the data files of set $newest in the bucket differ from the local ones: $(rc_error); manifest.json was not uploaded"
    else
      rc check --one-way --exclude manifest.json "$BACKUP_DIR/$newest" "$ROOT$newest" || die "the data files of set $newest in the bucket differ from the local ones: $(rc_error); manifest.json was not uploaded"
    fi
    log "data files of set $newest uploaded and checked against the local files; uploading manifest.json"
    rc copyto "$BACKUP_DIR/$newest/manifest.json" "$ROOT$newest/manifest.json" || die "uploading manifest.json of set $newest failed: $(rc_error); the set stays incomplete in the bucket"
    log "set $newest complete in the bucket $WHERE: $files data file(s) + SHA256SUMS + manifest.json, $bytes bytes of data, in $(($(date +%s) - t0))s"
  fi
  retention
}

# retention : keeps the newest BACKUP_RETENTION complete sets of the bucket; deletes older complete
# sets (manifest.json first) and incomplete sets older than the newest complete one.
retention() {
  list_bucket
  n="$(count "$BUCKET_COMPLETE")"
  newest_complete=""
  for s in $BUCKET_COMPLETE; do newest_complete="$s"; done
  i=0
  for s in $BUCKET_COMPLETE; do
    i=$((i + 1))
    [ "$i" -le $((n - BACKUP_RETENTION)) ] || continue
    rc deletefile "$ROOT$s/manifest.json" || die "retention: deleting manifest.json of set $s failed: $(rc_error)"
    rc purge "$ROOT$s" || die "retention: set $s lost its manifest.json (it is incomplete now) but deleting its files failed: $(rc_error); the next run deletes them"
    log "retention: deleted set $s from the bucket (older than the newest $BACKUP_RETENTION complete sets)"
  done
  for s in $BUCKET_ALL; do
    in_list "$s" "$BUCKET_COMPLETE" && continue
    if [ -n "$newest_complete" ] && [ "$(printf '%s\n%s\n' "$s" "$newest_complete" | sort | head -n 1)" = "$s" ]; then
      rc purge "$ROOT$s" || die "retention: deleting the incomplete set $s failed: $(rc_error)"
      log "retention: deleted incomplete set $s from the bucket (no manifest.json: an upload that died; older than the newest complete set $newest_complete)"
    else
      log "retention: kept incomplete set $s in the bucket (no manifest.json, newer than every complete set): never used by a restore"
    fi
  done
  if [ "$n" -le "$BACKUP_RETENTION" ]; then
    log "retention: $n complete set(s) in the bucket, keeping up to $BACKUP_RETENTION; nothing to prune"
  else
    log "retention: kept $(last_words "$BACKUP_RETENTION" "$BUCKET_COMPLETE") in the bucket"
  fi
}

# ---- fetch -------------------------------------------------------------------------------------
# download SET : downloads SET from the bucket into $BACKUP_DIR/SET, all or nothing: into
# SET.partial first, every file the manifest names checked (bytes and sha256), then renamed. A set
# without manifest.json, a missing or a damaged object: FATAL, and nothing is left behind. NOTHING
# and NEXT finish the FATAL and the success lines (what that means for the caller).
download() {
  set_name="$1"
  { [ -d "$BACKUP_DIR" ] && [ -w "$BACKUP_DIR" ]; } || die "download folder $BACKUP_DIR does not exist or is not writable"
  dest="$BACKUP_DIR/$set_name"
  if [ -s "$dest/manifest.json" ]; then
    check_set "$dest" "$set_name"
    [ -z "$PROBLEM" ] && { log "set $set_name is already downloaded and matches its manifest: nothing to do"; return 0; }
    rm -rf "$dest"
  fi
  rc lsf --files-only "$ROOT$set_name" > "$WORK/set" || die "listing set $set_name in $WHERE failed: $(rc_error)"
  if ! grep -qx 'manifest.json' "$WORK/set"; then
    list_bucket
    sets="$(last_words 10 "$BUCKET_COMPLETE")"
    [ -s "$WORK/set" ] && die "set $set_name in $WHERE has no manifest.json: an upload that did not finish, not a set; $NOTHING. Complete sets in the bucket: ${sets:-none}"
    die "no set $set_name in $WHERE; $NOTHING. Complete sets in the bucket: ${sets:-none}"
  fi
  t0="$(date +%s)"
  rm -rf "$dest.partial"
  log "downloading set $set_name from $WHERE ($(wc -l < "$WORK/set" | tr -d ' ') files) into $dest.partial"
  rc copy "$ROOT$set_name" "$dest.partial" || { rm -rf "$dest.partial"; die "downloading set $set_name from $WHERE failed (a missing or damaged object): $(rc_error); $NOTHING"; }
  check_set "$dest.partial" "$set_name"
  if [ -n "$PROBLEM" ]; then
    rm -rf "$dest.partial"
    die "set $set_name downloaded from $WHERE $PROBLEM: the set in the bucket is damaged; $NOTHING"
  fi
  mv "$dest.partial" "$dest"
  log "set $set_name downloaded and checked against its manifest ($SET_FILES data file(s), $SET_BYTES bytes, sha256 verified) in $(($(date +%s) - t0))s; $NEXT"
}

fetch() {
  [ -n "$RESTORE_SET" ] || { log "RESTORE_SET is empty: nothing to download"; exit 0; }
  case "$RESTORE_SET" in [A-Za-z0-9]*) ;; *) die "restore.fromSet '$RESTORE_SET' is not a set name (e.g. 20261125T021700Z)" ;; esac
  case "$RESTORE_SET" in *..* | */* | *' '*) die "restore.fromSet '$RESTORE_SET' is not a set name (e.g. 20261125T021700Z)" ;; esac
  found=""
  for f in nodes.conf dump.rdb appendonly.aof restored-from; do [ -e "$DATA_DIR/$f" ] && found="$found $f"; done
  [ -n "$(ls -A "$DATA_DIR/appendonlydir" 2>/dev/null)" ] && found="$found appendonlydir/"
  if [ -n "$found" ]; then
    log "the data volume already holds data (${found# }): never overwritten; not downloading set $RESTORE_SET (restore.sh leaves the volume alone)"
    exit 0
  fi
  NOTHING="nothing was restored" NEXT="restore.sh seeds from it"
  download "$RESTORE_SET"
}

# drill_fetch : the restore drill's `fetch` init container (backup.drill.source remote): the
# newest complete set in the bucket (or DRILL_SET) into BACKUP_DIR, checked as for a restore;
# drill.sh then drills it. No complete set in the bucket fails the drill: a drill that finds
# nothing never passes.
drill_fetch() {
  NOTHING="the drill FAILED: the set in the bucket is not restorable" NEXT="drill.sh drills it"
  if [ -n "$DRILL_SET" ]; then
    is_set_name "$DRILL_SET" || die "DRILL_SET '$DRILL_SET' is not a set name (e.g. 20261125T021700Z)"
    download "$DRILL_SET"
    return 0
  fi
  list_bucket
  newest=""
  for s in $BUCKET_COMPLETE; do newest="$s"; done
  [ -n "$newest" ] || die "no complete set in $WHERE (no <set>/manifest.json under the prefix): the drill FAILED, nothing off the cluster is proven restorable"
  log "bucket $WHERE: $(count "$BUCKET_COMPLETE") complete set(s); drilling the newest, $newest"
  download "$newest"
}

case "$REMOTE_ACTION" in
  upload) upload ;;
  fetch) fetch ;;
  drill-fetch) drill_fetch ;;
  *) die "REMOTE_ACTION='$REMOTE_ACTION': expected upload, fetch or drill-fetch" ;;
esac
