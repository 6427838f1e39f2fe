#!/usr/bin/env bash
# readiness-sentinel.sh: the readiness probe of the Sentinel container. Ready means the Sentinel
# can answer clients: it answers PING and monitors the master set. It deliberately does NOT
# require the master to be up: during a failover clients need the Sentinels most, and a probe
# that failed then would empty the Sentinel Service exactly when it matters. The output also says
# what this Sentinel sees (master, flags, peers, replicas, CKQUORUM) for `kubectl exec`.
set -euo pipefail
SCRIPT_NAME="readiness-sentinel"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

not_ready() { echo "not ready: $*"; exit 1; }

# TLS: Sentinel 7.0 cannot reload TLS files at runtime: roll (one Sentinel at a time) when they change.
# shellcheck source-path=SCRIPTDIR source=tls-lib.sh
. "$(dirname "$0")/tls-lib.sh"
tls_check sentinel scli || not_ready "$TLS_PROBLEM"

# While start-sentinel.sh waits safely (no master known anywhere yet) it says why.
if ! reply="$(scli "$LOCAL_HOST" PING)"; then
  [[ -s "$STATUS_FILE" ]] && not_ready "$(head -n 1 "$STATUS_FILE")"
  not_ready "PING failed: ${reply:-no answer within ${CLI_TIMEOUT}s}"
fi
[[ "$reply" == PONG ]] || not_ready "PING answered '${reply%%$'\n'*}'"
out="$(scli "$LOCAL_HOST" SENTINEL MASTER "$MASTER_SET")" || not_ready "SENTINEL MASTER failed: ${out%%$'\n'*}"
is_error_reply "$out" && not_ready "SENTINEL MASTER $MASTER_SET: ${out%%$'\n'*}"
quorum="$(scli "$LOCAL_HOST" SENTINEL CKQUORUM "$MASTER_SET" || true)"
echo "ready: monitors $MASTER_SET at $(kv "$out" ip):$(kv "$out" port) [$(kv "$out" flags)], config-epoch $(kv "$out" config-epoch), $(kv "$out" num-other-sentinels) other Sentinel(s), $(kv "$out" num-slaves) replica(s); ${quorum%%$'\n'*}"
