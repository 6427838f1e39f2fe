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

# manifest_field FILE KEY : the top-level string or number KEY of a manifest.json ("" when absent).
manifest_field() {
  sed -n -E "s/^  \"$2\": \"?([^\",]*)\"?,?\$/\\1/p" "$1" | head -n 1
}

# manifest_shards FILE : one line per shard (a sentinel set has one, the master):
# "<file> <bytes> <sha256> <nodeId> <address>". backup.sh writes each shard object on one line.
manifest_shards() {
  local line
  while IFS= read -r line; do
    [[ "$line" == *'"index":'* ]] || continue
    printf '%s %s %s %s %s\n' \
      "$(sed -E 's/.*"file": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"bytes": ([0-9]+).*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"sha256": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"nodeId": "([^"]*)".*/\1/' <<<"$line")" \
      "$(sed -E 's/.*"address": "([^"]*)".*/\1/' <<<"$line")"
  done < "$1"
}
