#!/usr/bin/env bash
# data-lib.sh: what a Redis data volume holds, as redis-server will load it. Both Redis charts
# share it: redis-cluster and redis-sentinel each link this file into their scripts/
# (scripts/data-lib.sh -> ../../redis-common/scripts/data-lib.sh). Sourced after the chart's lib.sh
# (DATA_DIR, CONF_DIR) by the start script (redis-cluster start-node.sh, redis-sentinel
# start-redis.sh) and by restore.sh; never run.
# shellcheck disable=SC2034  # variables here are used by the scripts that source this file

# conf_value KEY DEFAULT : the last value of KEY in the base redis.conf (unquoted), else DEFAULT.
conf_value() {
  local v=""
  [[ -r "$CONF_DIR/redis.conf" ]] && v="$(awk -v k="$1" 'tolower($1) == k { $1 = ""; v = $0 } END { print v }' "$CONF_DIR/redis.conf")"
  v="${v#"${v%%[![:space:]]*}"}"; v="${v%"${v##*[![:space:]]}"}"; v="${v#\"}"; v="${v%\"}"
  printf '%s\n' "${v:-$2}"
}

# data_conf : the data file settings of the base redis.conf, redis's defaults where it sets none:
# APPENDONLY (yes/no), AOF_DIR (appenddirname), AOF_NAME (appendfilename), DB_FILE (dbfilename).
data_conf() {
  APPENDONLY="$(conf_value appendonly no)"
  AOF_DIR="$(conf_value appenddirname appendonlydir)"
  AOF_NAME="$(conf_value appendfilename appendonly.aof)"
  DB_FILE="$(conf_value dbfilename dump.rdb)"
}

# dataset_kind : what redis-server would load, and how current it is:
#   aof   the append-only file (appendonly yes): every write this node applied before it died
#         (redis writes the AOF before it replies, so a killed process loses nothing acknowledged);
#   rdb   only an RDB: a snapshot from the past (a save, or the copy a REPLICA keeps of its last full
#         sync), which a replica that stayed connected (or was promoted) may have outrun;
#   none  nothing.
dataset_kind() {
  if grep -qiE '^[[:space:]]*appendonly[[:space:]]+"?yes' "$CONF_DIR/redis.conf" 2>/dev/null && compgen -G "$DATA_DIR/appendonlydir/*.manifest" >/dev/null; then
    echo aof
  elif [[ -s "$DATA_DIR/dump.rdb" ]]; then
    echo rdb
  else
    echo none
  fi
}
