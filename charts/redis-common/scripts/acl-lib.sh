#!/usr/bin/env bash
# acl-lib.sh: ACL users (auth.acl) for the start scripts of both charts, sourced after lib.sh
# (which provides log, conf_quote and CONF_DIR).
#
# The chart renders the users' rules, without passwords, into $CONF_DIR/users.acl:
#   user <name> on|off <rules...>
# and hands every password a user may log in with to the container as ACL_PASSWORD_<NAME>_<n>
# (NAME upper-cased, "-" as "_"; n = 0, 1, ... in the order of the spec's passwordKeys or
# systemSecrets). acl_conf writes one redis.conf `user` line per user with all its passwords, so a
# user accepts the old and the new password while a rotation is under way. A user that is `on`
# but has no password at all is refused here, loudly: Redis would start with a user nobody can
# log in as, and the pod would look healthy.
#
# acl_conf ends with a comment line `# acl users: <name>(<passwords>|off) ...`: what was
# configured, for the start script's log line (names and password counts only; no password is ever
# logged). acl_summary LINES extracts it.

# acl_enabled : true when the ConfigMap declares ACL users.
acl_enabled() { [[ -f "$CONF_DIR/users.acl" ]] && grep -q '^user ' "$CONF_DIR/users.acl"; }

# acl_env_prefix NAME : ACL_PASSWORD_<NAME>_
acl_env_prefix() { local n="${1^^}"; printf 'ACL_PASSWORD_%s_' "${n//-/_}"; }

# acl_passwords NAME : the user's passwords, one per line, in order (ACL_PASSWORD_<NAME>_0, _1, ...).
acl_passwords() {
  local prefix i=0 var
  prefix="$(acl_env_prefix "$1")"
  while var="${prefix}${i}"; [[ -n "${!var+set}" ]]; do
    printf '%s\n' "${!var}"
    i=$((i + 1))
  done
}

# acl_user_line NAME RULES : `user NAME on ><pw>... RULES` with every password of NAME; fails when
# NAME has none (or an empty one: an empty Secret value would be a user without a password).
acl_user_line() {
  local name="$1" rules="$2" line pw n=0
  line="user $name on"
  while IFS= read -r pw; do
    if [[ -z "$pw" ]]; then
      log "ACL: user $name: password $n is empty ($(acl_env_prefix "$name")$n): refusing to start with a user whose password is empty; put a password in its Secret key"
      return 1
    fi
    line+=" $(conf_quote ">$pw")"
    n=$((n + 1))
  done < <(acl_passwords "$name")
  if (( n == 0 )); then
    log "ACL: user $name has no password ($(acl_env_prefix "$name")0 is not set): refusing to start; check auth.acl in the values and that the container env lists its Secret keys"
    return 1
  fi
  printf '%s %s\n' "$line" "$rules"
  ACL_COUNTS+=" $name($n)"
}

# acl_conf : the `user` lines for redis.conf (stdout), every user of users.acl; non-zero when one
# cannot be written.
acl_conf() {
  local kw name state rules
  ACL_COUNTS=""
  while read -r kw name state rules; do
    [[ "$kw" == user ]] || continue
    if [[ "$state" == off ]]; then
      printf 'user %s off %s\n' "$name" "$rules"
      ACL_COUNTS+=" $name(off)"
    else
      acl_user_line "$name" "$rules" || return 1
    fi
  done < "$CONF_DIR/users.acl"
  printf '# acl users:%s\n' "$ACL_COUNTS"
}

# acl_summary LINES : "acl users: ..." from acl_conf's output.
acl_summary() { local last; last="$(tail -n 1 <<<"$1")"; printf '%s' "${last#\# }"; }

# acl_server_conf : every ACL line of a Redis pod's redis.conf (users, then masteruser/masterauth);
# dies, naming the user, when one cannot be written.
acl_server_conf() {
  acl_conf || return 1
  acl_replication_conf || return 1
}

# acl_replication_conf : masteruser/masterauth of the replicator user (its FIRST password: the one
# the pods log in with; the others are only accepted).
acl_replication_conf() {
  local pw
  pw="$(acl_passwords replicator | head -n 1)"
  [[ -n "$pw" ]] || { log "ACL: the replicator user has no password: refusing to start"; return 1; }
  echo "masteruser replicator"
  echo "masterauth $(conf_quote "$pw")"
}
