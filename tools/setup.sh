#!/usr/bin/env bash
# Installs the real components the behaviour tests run, from Debian's archive:
#   redis-server, redis-sentinel, redis-cli (7.0), promtool + prometheus, redis_exporter,
#   haproxy (2.6, runs the redis-sentinel chart's rendered haproxy.cfg), rclone (runs the charts'
#   remote-sync.sh against s3rver, a local S3 endpoint from npm) and the shellcheck
#   linter (the chart scripts' lint); Debian's arm64 Redis for qemu-user into .tools/arm64-sysroot
#   and Valkey 8.0 (bookworm-backports, extracted, not installed) into .tools/valkey.
# Idempotent: when every package is present it says so and changes nothing.
# Leaves no service running: the tests start their own processes on 127.0.0.x.
set -euo pipefail

PACKAGES=(redis-server redis-sentinel redis-tools prometheus prometheus-redis-exporter haproxy rclone shellcheck)
BINARIES=(redis-server redis-sentinel redis-cli promtool prometheus prometheus-redis-exporter haproxy rclone shellcheck)
SERVICES=(redis-server redis-sentinel prometheus prometheus-redis-exporter haproxy)
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
# shellcheck source=tools/setup/ports.sh
. "$(dirname "$0")/setup/ports.sh"
check_ports "${PORTS[@]}"

# arm64 Redis under qemu-user: Debian's redis-server:arm64/redis-tools:arm64 and their shared
# libraries extracted into one sysroot inside the repo's ignored .tools/ (nothing is installed
# for arm64; only qemu-user-static is). The testkit runs it with Sandbox.create({ arch: 'arm64' }).
ARM64_SYSROOT="$(cd "$(dirname "$0")/.." && pwd)/.tools/arm64-sysroot"
ARM64_PACKAGES=(redis-server redis-tools libc6 libatomic1 libjemalloc2 liblzf1 libssl3 libsystemd0 'libstdc++6' libgcc-s1 libcap2 libgcrypt20 liblz4-1 liblzma5 libzstd1 libgpg-error0)
ARM64_STAMP="$ARM64_SYSROOT/.packages"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; return; fi
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root for: $* (no sudo found)" >&2; exit 2; }
  sudo "$@"
}

# Runs the arm64 redis-server on a unix socket only (no TCP port to collide with) and checks
# INFO server says aarch64. Prints "<version>|<os>" or fails.
verify_arm64() {
  local tmp pid out version
  version=$(qemu-aarch64-static -L "$ARM64_SYSROOT" "$ARM64_SYSROOT/usr/bin/redis-server" --version) || { echo "setup: the arm64 redis-server does not run under qemu-aarch64-static (sysroot $ARM64_SYSROOT; to rebuild it: rm -rf .tools/arm64-sysroot && bash tools/setup.sh)" >&2; return 1; }
  tmp=$(mktemp -d)
  qemu-aarch64-static -L "$ARM64_SYSROOT" "$ARM64_SYSROOT/usr/bin/redis-server" --port 0 --unixsocket "$tmp/redis.sock" --dir "$tmp" --save '' --appendonly no --logfile "$tmp/log" &
  pid=$!
  for _ in $(seq 1 300); do [ -S "$tmp/redis.sock" ] && break; sleep 0.1; done
  out=$(qemu-aarch64-static -L "$ARM64_SYSROOT" "$ARM64_SYSROOT/usr/bin/redis-cli" -s "$tmp/redis.sock" INFO server 2>&1 | tr -d '\r') || true
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! grep -q '^os:.*aarch64' <<<"$out" || ! grep -q '^arch_bits:64' <<<"$out"; then
    echo "setup: the arm64 redis-server under qemu does not report aarch64 in INFO server (to rebuild the sysroot: rm -rf .tools/arm64-sysroot && bash tools/setup.sh):" >&2
    echo "$out" | head -20 >&2
    [ -f "$tmp/log" ] && tail -20 "$tmp/log" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
  echo "$(grep -o 'v=[0-9.]*' <<<"$version" | cut -c3-)|$(grep '^os:' <<<"$out" | cut -d: -f2)"
}

arm64_ready() {
  command -v qemu-aarch64-static >/dev/null 2>&1 && [ -f "$ARM64_STAMP" ] && [ "$(head -1 "$ARM64_STAMP")" = "${ARM64_PACKAGES[*]}" ] && [ -x "$ARM64_SYSROOT/usr/bin/redis-server" ]
}

if arm64_ready; then
  arm64_action="already present"
else
  started=$(date +%s)
  need_update=false
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    as_root dpkg --add-architecture arm64
    need_update=true
  fi
  # The arm64 package lists are missing until an update after adding the architecture.
  if ! apt-cache show redis-server:arm64 >/dev/null 2>&1; then need_update=true; fi
  if [ "$need_update" = true ]; then as_root apt-get update -qq; fi
  if ! command -v qemu-aarch64-static >/dev/null 2>&1; then
    log=$(mktemp)
    if ! DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends qemu-user-static >"$log" 2>&1; then
      echo "setup: apt-get install qemu-user-static failed:" >&2
      cat "$log" >&2
      rm -f "$log"
      exit 1
    fi
    rm -f "$log"
  fi
  command -v qemu-aarch64-static >/dev/null 2>&1 || { echo "setup: qemu-aarch64-static is missing after installing qemu-user-static" >&2; exit 1; }
  # Download into a temp dir that is always removed: no .deb stays behind. Extract into a
  # staging dir next to the sysroot, then swap it in, so a failed run never leaves half a sysroot.
  debs=$(mktemp -d)
  staging="$ARM64_SYSROOT.staging"
  trap 'rm -rf "$debs" "$staging"' EXIT
  chmod 755 "$debs"
  specs=()
  for p in "${ARM64_PACKAGES[@]}"; do specs+=("$p:arm64"); done
  if ! (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "${specs[@]}" >/dev/null 2>"$debs/err"); then
    echo "setup: apt-get download of the arm64 packages failed:" >&2
    cat "$debs/err" >&2
    exit 1
  fi
  rm -rf "$staging"
  mkdir -p "$staging"
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$staging"; done
  versions=$(for deb in "$debs"/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd= -; done | sed 's/^Package: //; s/=Version: /=/')
  printf '%s\n%s\n' "${ARM64_PACKAGES[*]}" "$versions" >"$staging/.packages"
  rm -rf "$ARM64_SYSROOT"
  mkdir -p "$(dirname "$ARM64_SYSROOT")"
  mv "$staging" "$ARM64_SYSROOT"
  rm -rf "$debs"
  trap - EXIT
  arm64_action="built in $(( $(date +%s) - started ))s"
fi
arm64_check=$(verify_arm64) || exit 1
echo "setup: arm64 redis ${arm64_check%%|*} ok under qemu-aarch64-static (INFO server os:${arm64_check#*|}), sysroot .tools/arm64-sysroot ${arm64_action}"

# Valkey 8.0 (issue 16): Debian's valkey-server, valkey-sentinel and valkey-tools from
# bookworm-backports, extracted into the repo's ignored .tools/valkey/ (nothing is installed and
# the machine's apt sources are not touched: a private source list, lists dir and cache under a
# temp dir). The archive URL is the one the machine's apt already uses for bookworm. Every shared
# library the binaries link is in bookworm, so they run from there as they are (no wrapper, no
# LD_LIBRARY_PATH). The testkit runs them with REDIS_TESTKIT_ENGINE=valkey (see binaries.ts).
VALKEY_ROOT="$(cd "$(dirname "$0")/.." && pwd)/.tools/valkey"
VALKEY_PACKAGES=(valkey-server valkey-sentinel valkey-tools)
VALKEY_SERIES=8.0
VALKEY_STAMP="$VALKEY_ROOT/.packages"
VALKEY_BINARIES=(valkey-server valkey-sentinel valkey-cli valkey-check-rdb valkey-check-aof valkey-benchmark)

valkey_ready() {
  [ -f "$VALKEY_STAMP" ] && [ "$(head -1 "$VALKEY_STAMP")" = "${VALKEY_PACKAGES[*]}" ] || return 1
  local b
  for b in "${VALKEY_BINARIES[@]}"; do
    [ -x "$VALKEY_ROOT/usr/bin/$b" ] && [ -x "$VALKEY_ROOT/bin/$b" ] && [ -x "$VALKEY_ROOT/bin/redis-${b#valkey-}" ] || return 1
  done
}

# Runs valkey-server on a unix socket only (no TCP port to collide with) and checks INFO server
# names Valkey $VALKEY_SERIES (asked through bin/redis-cli: the compat name runs valkey-cli).
# Prints the version or fails with the reason.
verify_valkey() {
  local bin="$VALKEY_ROOT/bin" tmp pid out version
  version=$("$bin/valkey-server" --version 2>&1) || { echo "setup: $bin/valkey-server does not run: $version (to rebuild: rm -rf .tools/valkey && bash tools/setup.sh)" >&2; return 1; }
  version=$(grep -o 'v=[0-9.]*' <<<"$version" | cut -c3-)
  case "$version" in "$VALKEY_SERIES".*) ;; *) echo "setup: .tools/valkey holds valkey-server $version, not $VALKEY_SERIES.x (to rebuild: rm -rf .tools/valkey && bash tools/setup.sh)" >&2; return 1 ;; esac
  tmp=$(mktemp -d)
  "$bin/valkey-server" --port 0 --unixsocket "$tmp/valkey.sock" --dir "$tmp" --save '' --appendonly no --logfile "$tmp/log" &
  pid=$!
  for _ in $(seq 1 100); do [ -S "$tmp/valkey.sock" ] && break; sleep 0.1; done
  out=$("$bin/redis-cli" -s "$tmp/valkey.sock" INFO server 2>&1 | tr -d '\r') || true
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! grep -q "^valkey_version:$version\$" <<<"$out"; then
    echo "setup: valkey-server $version from .tools/valkey started, but redis-cli (-> valkey-cli) INFO server did not report valkey_version:$version (to rebuild: rm -rf .tools/valkey && bash tools/setup.sh):" >&2
    echo "$out" | head -20 >&2
    [ -f "$tmp/log" ] && tail -20 "$tmp/log" >&2
    rm -rf "$tmp"
    return 1
  fi
  rm -rf "$tmp"
  echo "$version"
}

if valkey_ready; then
  valkey_action="already present"
else
  started=$(date +%s)
  # The archive the machine's own apt uses for bookworm (no host name is written in this repo).
  # shellcheck disable=SC2016 # $(REPO_URI) is apt's format field, not a shell expansion
  archive=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 2>/dev/null | awk '$2 == "bookworm" { print $1; exit }')
  [ -n "$archive" ] || { echo "setup: cannot install Valkey: the machine's apt configuration has no Debian bookworm source (apt-get indextargets lists none), so the bookworm-backports URL is unknown" >&2; exit 1; }
  work=$(mktemp -d)
  staging="$VALKEY_ROOT.staging"
  trap 'rm -rf "$work" "$staging"' EXIT
  chmod 755 "$work"
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
  signed_by=""
  [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] && signed_by=" signed-by=/usr/share/keyrings/debian-archive-keyring.gpg"
  echo "deb [arch=$(dpkg --print-architecture)$signed_by] $archive bookworm-backports main" >"$work/sources.list"
  apt_private=(-o "Dir::Etc::sourcelist=$work/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache")
  # As root, apt would fetch as the _apt user, who cannot write into the private dirs.
  [ "$(id -u)" -ne 0 ] || apt_private+=(-o APT::Sandbox::User=root)
  if ! apt-get "${apt_private[@]}" update -qq >"$work/err" 2>&1; then
    echo "setup: apt-get update of bookworm-backports ($archive) failed:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  if ! (cd "$work/debs" && apt-get "${apt_private[@]}" download -qq "${VALKEY_PACKAGES[@]}" >/dev/null 2>"$work/err"); then
    echo "setup: apt-get download ${VALKEY_PACKAGES[*]} from bookworm-backports ($archive) failed:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  versions=$(for deb in "$work"/debs/*.deb; do dpkg-deb -f "$deb" Package Version | paste -sd= -; done | sed 's/^Package: //; s/=Version: /=/')
  if grep -qv "=$VALKEY_SERIES\." <<<"$versions"; then
    echo "setup: bookworm-backports no longer offers Valkey $VALKEY_SERIES.x (it has: $(paste -sd' ' - <<<"$versions")); the tests are written for $VALKEY_SERIES: update VALKEY_SERIES in tools/setup.sh and check them" >&2
    exit 1
  fi
  rm -rf "$staging"
  mkdir -p "$staging"
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$staging"; done
  # bin/ is what the official valkey/valkey image has in /usr/local/bin: the valkey-* names and,
  # from `make install` (USE_REDIS_SYMLINKS=yes), redis-* symlinks to them. Debian's packages
  # ship no redis-* names. Valkey picks its mode from the name it runs under, redis-* included.
  mkdir "$staging/bin"
  for b in "${VALKEY_BINARIES[@]}"; do
    ln -s "../usr/bin/$b" "$staging/bin/$b"
    ln -s "../usr/bin/$b" "$staging/bin/redis-${b#valkey-}"
  done
  printf '%s\n%s\n' "${VALKEY_PACKAGES[*]}" "$versions" >"$staging/.packages"
  rm -rf "$VALKEY_ROOT"
  mkdir -p "$(dirname "$VALKEY_ROOT")"
  mv "$staging" "$VALKEY_ROOT"
  rm -rf "$work"
  trap - EXIT
  valkey_ready || { echo "setup: .tools/valkey lacks one of ${VALKEY_BINARIES[*]} after extracting ${VALKEY_PACKAGES[*]}" >&2; exit 1; }
  valkey_action="extracted in $(( $(date +%s) - started ))s"
fi
valkey_check=$(verify_valkey) || exit 1
echo "setup: valkey $valkey_check ok (valkey-server --version; INFO server valkey_version:$valkey_check), .tools/valkey ${valkey_action}"

echo "setup: ok (redis $(redis-server --version | grep -o 'v=[0-9.]*' | cut -c3-), promtool $(promtool --version 2>&1 | head -1 | awk '{print $3}'), redis_exporter $(prometheus-redis-exporter --version 2>&1 | grep -o 'Exporter [0-9.]*' | cut -d' ' -f2), haproxy $(haproxy -v | head -1 | awk '{print $3}'), valkey $valkey_check)"
