#!/usr/bin/env bash
# backup-lib.sh: helpers shared by backup.sh and restore.sh (sourced after lib.sh, never run).
# The backup set format they agree on is described in backup.sh and in the chart README.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

# A complete set is a folder named after its UTC start time that holds a manifest.json; a run in
# progress (or one that died) writes <name>.partial, which is never a set.
SET_RE='^[0-9]{8}T[0-9]{6}Z$'

# json_str TEXT : TEXT as a JSON string (the values written are IDs, addresses, versions).
json_str() { local s="$1"; s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }

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

# normalize_ranges FIELD... : slot fields "0-5460 5461" or "0-100,200" -> "0-5461" / "0-100,200-200":
# ranges a-b, sorted, contiguous ones merged, joined by ",". The one form both scripts compare.
normalize_ranges() {
  local arg f
  for arg in "$@"; do
    for f in ${arg//,/ }; do
      if [[ "$f" == *-* ]]; then printf '%s %s\n' "$(( 10#${f%-*} ))" "$(( 10#${f#*-} ))"; else printf '%s %s\n' "$(( 10#$f ))" "$(( 10#$f ))"; fi
    done
  done | sort -n -k1,1 | awk '
    NR == 1 { a = $1; b = $2; next }
    $1 == b + 1 { b = $2; next }
    { out = out (out ? "," : "") a "-" b; a = $1; b = $2 }
    END { if (NR) { out = out (out ? "," : "") a "-" b }; print out }'
}

# cluster_layout : the layout the bootstrap gives this release, one normalized entry per shard in
# shard order: SLOTS (cluster.slots joined by ";", validated by the chart at render time) or the
# even split over SHARDS.
cluster_layout() {
  local entry
  local -a entries=()
  if [[ -z "$SLOTS" ]]; then even_layout "$SHARDS"; return; fi
  IFS=';' read -ra entries <<<"$SLOTS"
  for entry in "${entries[@]}"; do normalize_ranges "${entry// /}"; done
}

# manifest_field FILE KEY : the top-level string or number KEY of a manifest.json ("" when absent).
manifest_field() {
  sed -n -E "s/^  \"$2\": \"?([^\",]*)\"?,?\$/\\1/p" "$1" | head -n 1
}

# manifest_shards FILE : one line per shard: "<slots> <file> <bytes> <sha256> <nodeId> <address>".
# backup.sh writes each shard object on one line, which is what this reads.
manifest_shards() {
  local line
  while IFS= read -r line; do
    [[ "$line" == *'"index":'* ]] || continue
    printf '%s %s %s %s %s %s\n' \
      "$(sed -E 's/.*"slots": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"file": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"bytes": ([0-9]+).*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"sha256": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"nodeId": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"address": "([^"]*)".*/\1/' <<<"$line")"
  done < "$1"
}
