#!/usr/bin/env bash
# Installs the real components the behaviour tests run, from Debian's archive:
#   redis-server, redis-sentinel, redis-cli (7.0), promtool + prometheus, redis_exporter.
# Idempotent: when every package is present it says so and changes nothing.
# Leaves no service running: the tests start their own processes on 127.0.0.x.
set -euo pipefail

PACKAGES=(redis-server redis-sentinel redis-tools prometheus prometheus-redis-exporter)
BINARIES=(redis-server redis-sentinel redis-cli promtool prometheus prometheus-redis-exporter)
SERVICES=(redis-server redis-sentinel prometheus prometheus-redis-exporter)
PORTS=(6379 26379 9090 9121)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then missing+=("$p"); fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: Debian packages already installed (${PACKAGES[*]}): nothing to do"
else
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
      echo "setup: need root to install ${missing[*]} (no sudo found). Run: apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 2
    fi
  fi
  echo "setup: installing ${missing[*]} (apt-get, --no-install-recommends)"
  started=$(date +%s)
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "setup: installed in $(( $(date +%s) - started ))s"
fi

for b in "${BINARIES[@]}"; do
  command -v "$b" >/dev/null 2>&1 || { echo "setup: $b is missing after install; the behaviour tests cannot run" >&2; exit 1; }
done

# Packages may start their services on machines where policy-rc.d allows it. Stop them: tests
# bind their own processes, and a packaged redis on 6379 would answer in their place.
for s in "${SERVICES[@]}"; do
  if command -v service >/dev/null 2>&1 && service "$s" status >/dev/null 2>&1; then
    echo "setup: stopping packaged service $s"
    "${SUDO[@]:-}" service "$s" stop >/dev/null 2>&1 || true
  fi
done
if command -v ss >/dev/null 2>&1; then
  for port in "${PORTS[@]}"; do
    if ss -Hltn "sport = :$port" | grep -q .; then
      echo "setup: warning: something listens on port $port:" >&2
      ss -Hltnp "sport = :$port" >&2 || true
    fi
  done
fi
echo "setup: ok (redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}'), redis_exporter $(prometheus-redis-exporter --version 2>&1 | grep -o 'Exporter [0-9.]*' | cut -d' ' -f2))"
