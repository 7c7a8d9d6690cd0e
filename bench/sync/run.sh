#!/usr/bin/env bash
# Dotfile-sync benchmarks (issue 4): hearth sync against the plain git
# commands doing the same work, in the same run, as medians and ratios.
# Installs strace (process counts) and GNU time (peak memory) if missing,
# then runs the Go driver; every argument is passed on, e.g.
#   bash bench/sync/run.sh -runs 41 -fleet-runs 5
#   bash bench/sync/run.sh -files 1000 -fleet-runs 0
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
missing=()
command -v git > /dev/null || missing+=(git)
command -v strace > /dev/null || missing+=(strace)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get install -y --no-install-recommends "${missing[@]}" > /dev/null
  else
    echo "missing: ${missing[*]} (without strace no process counts, without time no memory figures)" >&2
  fi
fi
cd "$repo"
exec go run ./bench/sync "$@"
