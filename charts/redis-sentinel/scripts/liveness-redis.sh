#!/usr/bin/env bash
# liveness-redis.sh: the liveness and startup probe of the Redis container. Alive when
# redis-server answers PING with PONG, or with a reply that means "busy with my data, do not kill
# me": LOADING (AOF/RDB load after a restart, or a replica loading the RDB of a full resync) and
# MASTERDOWN (a replica whose master link is down). Killing Redis in those states only restarts
# the load or the resync from scratch. Anything else (no answer within CLI_TIMEOUT, connection
# refused, other errors) is dead.
set -euo pipefail
SCRIPT_NAME="liveness-redis"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

reply="$(rcli "$LOCAL_HOST" PING)" || { echo "dead: PING failed: ${reply:-no answer within ${CLI_TIMEOUT}s}"; exit 1; }
case "$reply" in
  PONG) echo "alive: PONG" ;;
  LOADING*) echo "alive: loading its dataset ($reply)" ;;
  MASTERDOWN*) echo "alive: replica with master link down ($reply)" ;;
  *) echo "dead: PING answered '${reply%%$'\n'*}'"; exit 1 ;;
esac
