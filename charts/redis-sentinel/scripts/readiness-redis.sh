#!/usr/bin/env bash
# readiness-redis.sh: the readiness probe of the Redis container. Ready means this pod serves what
# its role promises:
#   - a replica: master_link_status:up (it has synced and follows its master);
#   - a master: ROLE master AND more of the reachable Sentinels name this pod as the master than
#     name another address. A master the Sentinels do not name (one that came back on its own,
#     a split brain) is never ready, and with no Sentinel reachable nobody can confirm it.
# Prints the reason; exit 0 = ready.
#
# It also RECORDS the replication state on the volume ($DATA_DIR/replication.state: role, replid,
# replid2, offsets, keys, time) while this pod's data is current (master, or replica with the link
# up), so that after a loss of the Sentinels' state the pods can elect the master by data
# (elect-master.sh). While a start script waits safely (or the pod is still a candidate) it prints
# "not ready: <$RUNTIME_DIR/start-status>"; while $DATA_DIR/data-loss.log exists a ready pod says so.
#
# Extra environment (see lib.sh for the shared contract):
#   READINESS_SENTINEL_TIMEOUT  1   seconds per Sentinel, so that the probe ends within its
#                                   timeoutSeconds even when every Sentinel hangs
set -euo pipefail
SCRIPT_NAME="readiness-redis"
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

: "${READINESS_SENTINEL_TIMEOUT:=1}"

trap 'cleanup_tmp' EXIT
not_ready() { echo "not ready: $*"; exit 1; }
status_or() { if [[ -s "$STATUS_FILE" ]]; then not_ready "$(head -n 1 "$STATUS_FILE")"; fi; not_ready "$*"; }
ready() {
  local last
  if [[ -s "$LOSS_LOG" ]]; then
    last="$(tail -n 1 "$LOSS_LOG")"
    echo "ready: $* WARNING: data loss recorded ($last); remove data-loss.log from the volume to acknowledge"
  else
    echo "ready: $*"
  fi
  exit 0
}

# TLS: reload changed certificate files at runtime; an expired or mismatched certificate is the reason.
# shellcheck source-path=SCRIPTDIR source=tls-lib.sh
. "$(dirname "$0")/tls-lib.sh"
tls_check redis rcli || not_ready "$TLS_PROBLEM"

repl="$(rcli "$LOCAL_HOST" INFO replication keyspace)" || status_or "INFO replication failed: ${repl%%$'\n'*}"
is_error_reply "$repl" && status_or "INFO replication: ${repl%%$'\n'*}"
role="$(field "$repl" role)"
record_state "$repl"
if [[ "$role" == slave ]] && is_candidate_master "$(field "$repl" master_host)" "$(field "$repl" master_port)"; then
  status_or "a candidate (read-only) while the master is elected by data"
fi

if [[ "$role" == slave ]]; then
  link="$(field "$repl" master_link_status)"
  [[ "$link" == up ]] || not_ready "replica of $(field "$repl" master_host):$(field "$repl" master_port), master_link_status:${link:-unknown} (sync in progress: $(field "$repl" master_sync_in_progress))"
  ready "replica of $(field "$repl" master_host):$(field "$repl" master_port), master_link_status:up, offset $(field "$repl" slave_repl_offset)"
fi
[[ "$role" == master ]] || not_ready "unexpected role '${role:-none}'"

CLI_TIMEOUT="$READINESS_SENTINEL_TIMEOUT"
ask_sentinels
agree=0 disagree=0 others=""
while read -r host port _ _ name; do
  [[ -n "${host:-}" ]] || continue
  if names_self "$host"; then agree=$(( agree + 1 )); else disagree=$(( disagree + 1 )); others+=" $(short "$name")->$host"; fi
done <<<"$S_ANSWERS"
(( S_KNOWN > 0 )) || not_ready "master, but no Sentinel confirms it (${S_SUMMARY:-no Sentinel configured})"
(( agree > disagree )) || not_ready "master, but $disagree of $S_KNOWN Sentinel(s) name another master:$others (a second master? this pod must become a replica)"
ready "master with $(field "$repl" connected_slaves) replica(s), named by $agree of $S_KNOWN Sentinel(s)"
