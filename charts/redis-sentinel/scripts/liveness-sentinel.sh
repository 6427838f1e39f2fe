#!/usr/bin/env bash
# liveness-sentinel.sh: the liveness and startup probe of the Sentinel container: alive when
# redis-sentinel answers PING with PONG within CLI_TIMEOUT.
set -euo pipefail
SCRIPT_NAME="liveness-sentinel"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

reply="$(scli "$LOCAL_HOST" PING)" || { echo "dead: PING failed: ${reply:-no answer within ${CLI_TIMEOUT}s}"; exit 1; }
[[ "$reply" == PONG ]] || { echo "dead: PING answered '${reply%%$'\n'*}'"; exit 1; }
echo "alive: PONG"
