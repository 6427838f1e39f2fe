#!/usr/bin/env bash
# liveness-redis.sh: the liveness and startup probe of the Redis container, the same in both Redis
# charts: redis-sentinel ships it as scripts/liveness-redis.sh, redis-cluster as scripts/liveness.sh
# (each a link to this file; it runs with the chart's own lib.sh next to it). Alive when
# redis-server answers PING with PONG, or with a reply that means "busy with my data, do not kill
# me": LOADING (AOF/RDB load after a restart, or a replica loading the RDB of a full resync) and
# MASTERDOWN (a replica whose master link is down). Killing Redis in those states only restarts
# the load or the resync from scratch. Anything else (no answer within CLI_TIMEOUT, connection
# refused, other errors) is dead. It logs nothing: its stdout is the probe's message.
set -euo pipefail
# SCRIPT_NAME is left to lib.sh: the name the probe runs under (liveness, liveness-redis).
# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091  # lib.sh: the chart's, next to the link
. "$(dirname "$0")/lib.sh"

reply="$(rcli "$LOCAL_HOST" PING)" || { echo "dead: PING failed: ${reply:-no answer within ${CLI_TIMEOUT}s}"; exit 1; }
case "$reply" in
  PONG) echo "alive: PONG" ;;
  LOADING*) echo "alive: loading its dataset ($reply)" ;;
  MASTERDOWN*) echo "alive: replica with master link down ($reply)" ;;
  *) echo "dead: PING answered '${reply%%$'\n'*}'"; exit 1 ;;
esac
