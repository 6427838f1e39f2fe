#!/usr/bin/env bash
# Usage: tools/lint/shellcheck.sh CHART_DIR... Lints every shell script a chart ships (scripts/*.sh) with shellcheck at
# its default severity (style and info included), following `source` directives. Zero findings, or
# an inline `# shellcheck disable=SCxxxx  # <reason>` next to the line, is the bar (issue 11).
# Exit 0 when clean, 1 on findings, 2 when shellcheck is missing (tools/setup.sh installs it).
set -euo pipefail
command -v shellcheck >/dev/null 2>&1 || { echo "shellcheck: not installed; run bash tools/setup.sh (Debian package shellcheck)" >&2; exit 2; }
[ "$#" -ge 1 ] || { echo "usage: tools/lint/shellcheck.sh CHART_DIR..." >&2; exit 2; }
status=0 count=0
for dir in "$@"; do
  [ -d "$dir/scripts" ] || continue
  shopt -s nullglob
  scripts=("$dir"/scripts/*.sh)
  shopt -u nullglob
  [ "${#scripts[@]}" -gt 0 ] || continue
  count=$(( count + ${#scripts[@]} ))
  # -x with the scripts' dir as cwd: `source=lib.sh` directives resolve next to the script.
  (cd "$dir/scripts" && shellcheck -x --format=gcc -- "${scripts[@]##*/}") | sed "s#^#$dir/scripts/#" || status=1
done
if [ "$status" -eq 0 ]; then
  echo "shellcheck: $count script(s) in $* clean ($(shellcheck --version | awk '/^version:/ {print $2}'), default severity)"
else
  echo "shellcheck: findings above; fix them or add a reasoned inline directive" >&2
fi
exit "$status"
