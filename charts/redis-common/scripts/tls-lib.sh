#!/usr/bin/env bash
# tls-lib.sh: TLS certificate rotation and diagnosis for the readiness probes of both charts.
# Sourced after the chart's lib.sh, never run. It needs from lib.sh: REDIS_TLS, TLS_DIR,
# RUNTIME_DIR, LOCAL_HOST, POD_NAME, SCRIPT_NAME, field, and the redis-cli wrapper the caller names
# (rcli / scli: HOST ARG...). The Sentinel roll also needs sentinel_hosts, sentinel_stable_name,
# resolve, SENTINEL_PORT and SENTINEL_COUNT (the redis-sentinel chart's lib.sh).
#
# Kubernetes updates a mounted Secret's files in place (cert-manager renews tls.crt/tls.key, a CA
# rotation swaps ca.crt for a bundle of old + new CA, later for the new CA alone). Redis reads its
# TLS files only when it (re)configures TLS, so on every probe `tls_check` compares the sha256 of
# the mounted tls.crt, tls.key and ca.crt with the files the server last loaded (a stamp in the
# pod's runtime emptyDir, per server run_id) and, when they differ:
#   - redis-server: `CONFIG SET tls-cert-file F tls-key-file F tls-ca-cert-file F` with the same
#     paths re-reads all three files (measured on 7.0.15: new connections use the new files;
#     established client connections and replication links stay up, no resync). A bad pair
#     (key does not match) is refused and the server keeps what it had loaded;
#   - redis-sentinel: Sentinel 7.0 has no runtime TLS reload (CONFIG is not a Sentinel command,
#     SENTINEL CONFIG SET rejects tls-*), so the Sentinels roll: one at a time (each in its own
#     slot of the clock, and only while every other Sentinel listens), a Sentinel SHUTDOWNs itself
#     and kubelet restarts the container with the new files.
# A probe run during which the mounted files change (kubelet swapped the Secret between this run's
# reading them and its connecting) decides nothing: the next run sees one set of files.
# It never needs `openssl` (the official redis image has none): the certificate's validity dates
# are read from its DER bytes (base64, od, awk), a key that does not match is what redis-cli
# reports ("Invalid private key"), and a certificate not signed by a CA in ca.crt is the local
# TLS handshake's "certificate verify failed" once expiry is ruled out.
# One line per event goes to the pod log, since kubelet keeps no probe output: TLS_LOG_FILE (by
# default the chart's PRESTOP_LOG_FILE, /proc/1/fd/1: the container's stdout), else the stdout of
# the server process (INFO server process_id); to stderr only when neither can be written (the
# probe's own output stays one line). A problem is logged once (until it changes); the probe
# prints it as its reason.
#
# Extra environment:
#   TLS_ROLL_SLOT     20   seconds of each Sentinel's turn in a roll (at least 2 x the probe period)
#   TLS_LOG_FILE      $PRESTOP_LOG_FILE   the container's log; empty: the server's stdout
# shellcheck disable=SC2034  # TLS_PROBLEM is read by the scripts that source this file

: "${TLS_ROLL_SLOT:=20}"
[[ "$TLS_ROLL_SLOT" =~ ^[1-9][0-9]*$ ]] || TLS_ROLL_SLOT=20
: "${TLS_LOG_FILE:=${PRESTOP_LOG_FILE:-}}"
TLS_STAMP="$RUNTIME_DIR/tls-loaded"      # "<run_id> <sha256>" of the files the server loaded
TLS_PROBLEM_FILE="$RUNTIME_DIR/tls-problem"
TLS_PENDING_FILE="$RUNTIME_DIR/tls-pending"  # Sentinel: "<sha256> <epoch first seen>" of files it has not loaded
TLS_PID_FILE="$RUNTIME_DIR/tls-log-pid"      # the server's process_id, for tls_log while it cannot be asked
TLS_PROBLEM=""
TLS_LOG_PID=""

# tls_log MSG : one line to the pod log (see above), best effort.
tls_log() {
  local line
  line="$(printf '%s %s: %s' "$(date -u '+%Y-%m-%dT%H:%M:%SZ')" "$SCRIPT_NAME" "$*")"
  if [[ -n "$TLS_LOG_FILE" ]] && { printf '%s\n' "$line" >> "$TLS_LOG_FILE"; } 2>/dev/null; then
    return 0
  fi
  if [[ -z "$TLS_LOG_PID" && -r "$TLS_PID_FILE" ]]; then
    TLS_LOG_PID="$(head -c 20 "$TLS_PID_FILE" | tr -dc '0-9')"
    [[ "$(cat "/proc/$TLS_LOG_PID/comm" 2>/dev/null)" == redis* ]] || TLS_LOG_PID=""
  fi
  if [[ -n "$TLS_LOG_PID" && -w "/proc/$TLS_LOG_PID/fd/1" ]] && { printf '%s\n' "$line" >> "/proc/$TLS_LOG_PID/fd/1"; } 2>/dev/null; then
    return 0
  fi
  printf '%s\n' "$line" >&2
}

# tls_fail REASON : sets TLS_PROBLEM, logs it once (until it changes), returns 1.
tls_fail() {
  TLS_PROBLEM="TLS: $*"
  if [[ "$(cat "$TLS_PROBLEM_FILE" 2>/dev/null)" != "$TLS_PROBLEM" ]]; then
    # Two probe runs that overlap (a slow one and the next) must not both log it: the run that
    # creates this reason's claim file first (set -C: O_EXCL) logs; claims of other reasons go.
    local claim f
    claim="$TLS_PROBLEM_FILE.$(printf '%s' "$TLS_PROBLEM" | sha256sum | cut -c1-16)"
    if ( set -C; : > "$claim" ) 2>/dev/null; then
      tls_log "$TLS_PROBLEM"
      { printf '%s\n' "$TLS_PROBLEM" > "$TLS_PROBLEM_FILE"; } 2>/dev/null || true
      for f in "$TLS_PROBLEM_FILE".*; do [[ "$f" == "$claim" ]] || rm -f "$f"; done
    fi
  fi
  return 1
}

# tls_fail_once_log REASON : tls_fail's logging (once per reason) without failing the probe.
tls_fail_once_log() { tls_fail "$@" || true; TLS_PROBLEM=""; }

# tls_files_hash : sha256 of tls.crt, tls.key and ca.crt together.
tls_files_hash() {
  local out
  out="$(cat "$TLS_DIR/tls.crt" "$TLS_DIR/tls.key" "$TLS_DIR/ca.crt" | sha256sum)" || return 1
  printf '%s\n' "${out%% *}"
}

# tls_cert_dates FILE : "notBefore notAfter" of the first certificate in FILE, as
# YYYYMMDDHHMMSS (UTC). Reads the DER: the first two UTCTime (tag 0x17, 13 bytes) or
# GeneralizedTime (0x18, 15 bytes) values of a certificate are its validity.
tls_cert_dates() {
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/{/-----/!p;/-----END/q;}' "$1" \
    | base64 -d 2>/dev/null | od -An -v -tx1 | awk '
      { for (i = 1; i <= NF; i++) b[n++] = $i }
      END {
        found = 0
        for (i = 0; i + 2 < n && found < 2; i++) {
          if (b[i] == "17" && b[i + 1] == "0d") len = 13
          else if (b[i] == "18" && b[i + 1] == "0f") len = 15
          else continue
          s = ""; ok = 1
          for (j = 0; j < len - 1; j++) { h = b[i + 2 + j]; if (h !~ /^3[0-9]$/) { ok = 0; break }; s = s substr(h, 2, 1) }
          if (!ok || b[i + 1 + len] != "5a") continue
          if (len == 13) s = (substr(s, 1, 2) < 50 ? "20" : "19") s
          out = out (found ? " " : "") s; found++; i += 1 + len
        }
        if (found == 2) print out; else exit 1
      }'
}

# tls_date YYYYMMDDHHMMSS : ISO 8601 form for messages.
tls_date() { local d="$1"; printf '%s-%s-%sT%s:%s:%sZ' "${d:0:4}" "${d:4:2}" "${d:6:2}" "${d:8:2}" "${d:10:2}" "${d:12:2}"; }

# tls_connect_problem OUTPUT : the TLS reason for a failed redis-cli call, or nothing when the
# failure is not about TLS (refused, timeout, loading: the probe's own checks report those).
tls_connect_problem() {
  case "$1" in
    *"Invalid private key"*|*"key values mismatch"*) printf 'tls.key does not match tls.crt (redis-cli: Invalid private key); the Secret needs the key of this certificate' ;;
    *"certificate verify failed"*) printf 'the certificate this server presents (%s/tls.crt) does not verify against ca.crt: it is not signed by a CA in ca.crt (handshake: certificate verify failed)' "$TLS_DIR" ;;
    *"Server closed the connection"*|*"Connection reset"*) printf 'the server rejects this pod'"'"'s client certificate tls.crt: it is not signed by a CA the server trusts (ca.crt it loaded)' ;;
  esac
}

# tls_check KIND CLI : KIND redis (runtime reload) or sentinel (roll); CLI the lib.sh wrapper that
# reaches this pod's own server (rcli / scli). 0: TLS is off, or the server runs the mounted files
# and they are valid; 1: TLS_PROBLEM says why not. Call it as
# `tls_check redis rcli || not_ready "$TLS_PROBLEM"` (in a condition: it handles its own errors).
tls_check() {
  local kind="$1" cli="$2" hash="" dates="" now="" info="" rc=0 run_id="" stamp_run="" stamp_hash="" reason="" reply=""
  [[ "${REDIS_TLS:-no}" == yes ]] || return 0
  hash="$(tls_files_hash 2>/dev/null)" || tls_fail "cannot read $TLS_DIR/tls.crt, tls.key and ca.crt (is the TLS Secret mounted?)" || return 1
  if dates="$(tls_cert_dates "$TLS_DIR/tls.crt")"; then
    now="$(date -u '+%Y%m%d%H%M%S')"
    if [[ "${dates#* }" < "$now" ]]; then
      tls_fail "tls.crt expired at $(tls_date "${dates#* }") (valid from $(tls_date "${dates%% *}")); renew the certificate in the TLS Secret" || return 1
    fi
    if [[ "$now" < "${dates%% *}" ]]; then
      tls_fail "tls.crt is not valid before $(tls_date "${dates%% *}") (clock skew, or a certificate issued for later)" || return 1
    fi
  else
    tls_fail "tls.crt holds no readable PEM certificate" || return 1
  fi

  info="$("$cli" "$LOCAL_HOST" INFO server)"; rc=$?
  if (( rc != 0 )) && [[ -n "$(tls_connect_problem "$info")" ]]; then
    # Once more: a server that is shutting down also closes connections.
    sleep 0.2
    info="$("$cli" "$LOCAL_HOST" INFO server)"; rc=$?
  fi
  if (( rc != 0 )) || [[ "$info" != *run_id:* ]]; then
    reason="$(tls_connect_problem "$info")"
    [[ -z "$reason" ]] && return 0
    tls_fail "$reason" || return 1
  fi
  # The Secret may have been swapped while the server was asked (kubelet swaps all three files at
  # once, but this probe read them one by one, then connected with whatever was mounted by then):
  # a hash that no longer matches the mounted files must not drive a reload or a Sentinel restart.
  # Nothing is decided on such a torn view; the next probe run sees one set of files.
  if [[ "$(tls_files_hash 2>/dev/null)" != "$hash" ]]; then
    return 0
  fi
  run_id="$(field "$info" run_id)"
  TLS_LOG_PID="$(field "$info" process_id)"
  [[ "$(cat "$TLS_PID_FILE" 2>/dev/null)" == "$TLS_LOG_PID" ]] || { printf '%s\n' "$TLS_LOG_PID" > "$TLS_PID_FILE"; } 2>/dev/null || true
  { [[ -r "$TLS_STAMP" ]] && read -r stamp_run stamp_hash < "$TLS_STAMP"; } || true

  if [[ "$stamp_run" == "$run_id" && "$stamp_hash" == "$hash" ]]; then
    rm -f "$TLS_PROBLEM_FILE" "$TLS_PROBLEM_FILE".* "$TLS_PENDING_FILE"
    return 0
  fi
  if [[ "$stamp_run" != "$run_id" && "$kind" == sentinel ]] && ! tls_changed_since_start "$info"; then
    # A new Sentinel process: it loaded the files at its start, and they have not changed since.
    { printf '%s %s\n' "$run_id" "$hash" > "$TLS_STAMP"; } 2>/dev/null || true
    rm -f "$TLS_PROBLEM_FILE" "$TLS_PROBLEM_FILE".* "$TLS_PENDING_FILE"
    return 0
  fi
  if [[ "$kind" == sentinel ]]; then
    tls_roll_sentinel "$cli" "$hash"
    return
  fi

  # redis-server: re-read the files (also once after each server start, in case they changed
  # between its start and this probe).
  reply="$("$cli" "$LOCAL_HOST" CONFIG SET tls-cert-file "$TLS_DIR/tls.crt" tls-key-file "$TLS_DIR/tls.key" tls-ca-cert-file "$TLS_DIR/ca.crt")"
  if [[ "$reply" != OK ]]; then
    reason="$(tls_connect_problem "$reply")"
    tls_fail "${reason:-reloading the changed TLS files failed (${reply%%$'\n'*}); the server keeps the files it loaded before (a key that does not match tls.crt?)}" || return 1
  fi
  # The new files must also work for a new connection (this pod's replicas, peers and clients).
  reply="$("$cli" "$LOCAL_HOST" PING)"
  if [[ "$reply" != PONG ]]; then
    reason="$(tls_connect_problem "$reply")"
    tls_fail "${reason:-after reloading the TLS files the server does not answer: ${reply%%$'\n'*}}" || return 1
  fi
  { printf '%s %s\n' "$run_id" "$hash" > "$TLS_STAMP"; } 2>/dev/null || true
  rm -f "$TLS_PROBLEM_FILE" "$TLS_PROBLEM_FILE".*
  if [[ "$stamp_run" == "$run_id" ]]; then
    tls_log "TLS: reloaded tls.crt, tls.key and ca.crt at runtime (CONFIG SET; sha256 ${stamp_hash:0:12} -> ${hash:0:12}, tls.crt valid until $(tls_date "${dates#* }")); established connections stay up"
  fi
  return 0
}

# tls_changed_since_start INFO : true when a TLS file was written after the server started
# (INFO server uptime_in_seconds), i.e. the running process may hold older files.
tls_changed_since_start() {
  local up newest
  up="$(field "$1" uptime_in_seconds)"
  [[ "$up" =~ ^[0-9]+$ ]] || return 0
  newest="$(stat -L -c %Y "$TLS_DIR/tls.crt" "$TLS_DIR/tls.key" "$TLS_DIR/ca.crt" 2>/dev/null | sort -n | tail -n 1)"
  [[ "$newest" =~ ^[0-9]+$ ]] || return 0
  (( newest > $(date +%s) - up ))
}

# tls_roll_sentinel CLI HASH : the Sentinel runs files that are no longer mounted; restart it in its
# turn. Turns are slots of the wall clock (TLS_ROLL_SLOT seconds each, ordinal i owns every slot
# with (epoch / TLS_ROLL_SLOT) mod SENTINEL_COUNT = i), and a Sentinel acts only in the first half
# of its slot and only while every other Sentinel listens: two Sentinels never restart together,
# even when their probes run at the same moment. Until its turn it stays ready (0): the old files
# still work while ca.crt is a bundle, and a Sentinel out of the Service helps nobody.
# 1 (TLS_PROBLEM set): it is restarting now.
tls_roll_sentinel() {
  local cli="$1" hash="$2" seen_hash="" now="" ord="" count="${SENTINEL_COUNT:-3}" name="" ip="" down=""
  now="$(date +%s)"
  { [[ -r "$TLS_PENDING_FILE" ]] && read -r seen_hash _ < "$TLS_PENDING_FILE"; } || true
  if [[ "$seen_hash" != "$hash" ]]; then
    { printf '%s %s\n' "$hash" "$now" > "$TLS_PENDING_FILE"; } 2>/dev/null || true
    tls_log "TLS: tls.crt, tls.key or ca.crt changed (sha256 -> ${hash:0:12}); Sentinel 7.0 cannot reload TLS at runtime, so this Sentinel restarts to load them in its turn (one Sentinel at a time)"
  fi
  ord="${POD_NAME##*-}"; [[ "$ord" =~ ^[0-9]+$ ]] || ord=0
  [[ "$count" =~ ^[1-9][0-9]*$ ]] || count=3
  (( (now / TLS_ROLL_SLOT) % count == ord % count && (now % TLS_ROLL_SLOT) * 2 < TLS_ROLL_SLOT )) || return 0
  # "Up" is a listening port, whatever its TLS files: mid-rotation a peer that has not restarted yet
  # may present a certificate this Sentinel no longer trusts, and it must still count as up.
  while read -r name; do
    [[ -z "$name" || "$name" == "$(sentinel_stable_name "$POD_NAME")" ]] && continue
    # shellcheck disable=SC2016  # $1 and $2 are the inner shell's arguments
    ip="$(resolve "$name")" && timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' tcp-check "$ip" "$SENTINEL_PORT" 2>/dev/null || down+=" ${name%%.*}"
  done < <(sentinel_hosts)
  if [[ -n "$down" ]]; then
    tls_fail_once_log "changed TLS files not loaded yet: waiting for the other Sentinels to listen before restarting (not listening:$down)"
    return 0
  fi
  tls_log "TLS: restarting this Sentinel (SHUTDOWN; the container restarts) to load the changed TLS files"
  "$cli" "$LOCAL_HOST" SHUTDOWN >/dev/null 2>&1 || true
  TLS_PROBLEM="TLS: restarting to load the changed TLS files"
  return 1
}
