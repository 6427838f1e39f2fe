#!/usr/bin/env bash
# cli-lib.sh: how the scripts of both Redis charts connect redis-cli, and how they quote a config
# value. Each chart's lib.sh sources it (scripts/cli-lib.sh -> ../../redis-common/scripts/cli-lib.sh);
# it is never run, and sourcing it only defines functions. It reads REDIS_TLS and TLS_DIR, which
# both charts' lib.sh define.
# shellcheck disable=SC2034  # CLI_ARGS and CLI_ENV are read by the callers of cli_conn

# cli_conn USER PASSWORD : the redis-cli connection settings of one call, in two arrays:
#   CLI_ARGS  the TLS flags (--tls --cacert --cert --key from TLS_DIR) when REDIS_TLS=yes, and
#             --user USER when USER is not empty (AUTH <user> <password>: an ACL user);
#   CLI_ENV   REDISCLI_AUTH=PASSWORD when PASSWORD is not empty, for `env`: the password never
#             appears on a command line (not in the process list), and redis-cli sends it with
#             every MIGRATE of `--cluster` too. Empty PASSWORD: no AUTH.
# Host, port, timeout and --no-auth-warning stay with the caller, which runs e.g.
#   cli_conn "$REDIS_USER" "$REDIS_PASSWORD"
#   env "${CLI_ENV[@]}" timeout 5 "$REDIS_CLI" -h "$host" -p "$port" "${CLI_ARGS[@]}" PING
# Both arrays are always (re)assigned; a caller may declare them `local -a CLI_ARGS CLI_ENV` first.
cli_conn() {
  local user="$1" pass="$2"
  CLI_ARGS=()
  CLI_ENV=()
  if [[ "$REDIS_TLS" == "yes" ]]; then
    CLI_ARGS+=(--tls --cacert "$TLS_DIR/ca.crt" --cert "$TLS_DIR/tls.crt" --key "$TLS_DIR/tls.key")
  fi
  if [[ -n "$user" ]]; then CLI_ARGS+=(--user "$user"); fi
  if [[ -n "$pass" ]]; then CLI_ENV+=("REDISCLI_AUTH=$pass"); fi
  return 0
}

# conf_quote VALUE : VALUE as a double-quoted redis.conf / sentinel.conf argument.
conf_quote() {
  local v="$1"
  v="${v//\\/\\\\}"; v="${v//\"/\\\"}"; v="${v//$'\n'/\\n}"; v="${v//$'\r'/\\r}"
  printf '"%s"' "$v"
}
