#!/usr/bin/env bash
# Large-tree benchmarks (issue 11): peak memory of hearth apply and sync
# rounds over five 200 MB files and over 50,000 files against plain git
# doing the same work, and the first apply of 10,000 files against
# cp -a + sync -f, in the same run. Installs GNU time if it is missing,
# then runs the Go driver; every argument is passed on, e.g.
#   bash bench/scale/run.sh -parts apply -apply-runs 9
#   bash bench/scale/run.sh -big-mb 50 -many 10000 -runs 5
# Needs about 6 GB free in $TMPDIR (or -work) with the default sizes.
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
missing=()
command -v git > /dev/null || missing+=(git)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get install -y --no-install-recommends "${missing[@]}" > /dev/null
  else
    echo "missing: ${missing[*]}" >&2
    exit 1
  fi
fi
cd "$repo"
exec go run ./bench/scale "$@"
