#!/usr/bin/env bash
# Host record benchmarks (issue 15): the cost of publishing in a no-op sync
# round, and `hearth fleet` over 50 hosts against one plain git fetch.
# Every argument is passed on, e.g. bash bench/fleet/run.sh -runs 41
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go run ./bench/fleet "$@"
