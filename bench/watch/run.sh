#!/usr/bin/env bash
# hearth watch benchmarks (issue 14): propagation between three watchers
# over smart HTTP and file://, an idle watcher's CPU and memory, and one
# poll against git ls-remote. Every argument is passed on, e.g.
#   bash bench/watch/run.sh -idle 10m
#   bash bench/watch/run.sh -poll 30s -edits 30
set -euo pipefail
cd "$(dirname "$0")/../.."
exec go run ./bench/watch "$@"
