#!/usr/bin/env bash
# ports.sh: sourced by tools/setup.sh. check_ports PORT... warns (stderr, one line per port) when a
# server listens on a port the tests use, on an address where it could answer in place of the
# tests' own processes: a wildcard address or 127.0.0.1 / ::1. The tests' Redis "pods" bind other
# 127.x.y.z addresses (a running suite has dozens of them); those are not reported.

check_ports() {
  command -v ss >/dev/null 2>&1 || return 0
  local port taken
  for port in "$@"; do
    taken="$(ss -Hltn "sport = :$port" 2>/dev/null | awk '{ print $4 }' | grep -E '^(0\.0\.0\.0|\*|\[::\]|127\.0\.0\.1|\[::1\]):' | sort -u | paste -sd ' ' - || true)"
    [ -z "$taken" ] || echo "setup: warning: port $port is taken on $taken: a packaged or stray server there would answer in place of the tests' own (find it: ss -ltnp 'sport = :$port')" >&2
  done
  return 0
}
