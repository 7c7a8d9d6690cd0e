#!/bin/sh
# Benchmark of a no-op `hearth upgrade` round (the tip is already deployed)
# against `git fetch` of the same remote and `nix build` of the same
# unchanged flake, measured interleaved in one run with real git and nix in
# an isolated nix store (see BenchmarkNoopRound in internal/deploy).
#
# usage: bench/upgrade/run.sh [iterations]   (default 30)
set -eu
cd "$(dirname "$0")/../.."
n=${1:-30}
out=$(go test -run '^$' -bench '^BenchmarkNoopRound$' -benchtime="${n}x" ./internal/deploy)
line=$(printf '%s\n' "$out" | grep '^BenchmarkNoopRound') || { printf '%s\n' "$out" >&2; exit 1; }
metric() { printf '%s\n' "$line" | tr '\t' '\n' | awk -v m="$1" '$2 == m { print $1 }'; }
echo "no-op upgrade round, median of $n interleaved runs"
printf '  deploy.Run (library)        %8s ms\n' "$(metric ms-round)"
printf '  hearth upgrade (command)    %8s ms\n' "$(metric ms-hearth-upgrade)"
printf '  git fetch, same remote      %8s ms\n' "$(metric ms-git-fetch)"
printf '  nix build, unchanged flake  %8s ms\n' "$(metric ms-nix-build)"
echo "ratios"
printf '  library round / git fetch   %8sx  (aim <= 1.5x)\n' "$(metric x-round/git-fetch)"
printf '  hearth upgrade / git fetch  %8sx  (aim <= 1.5x)\n' "$(metric x-hearth-upgrade/git-fetch)"
printf '  hearth upgrade / nix build  %8sx\n' "$(metric x-hearth-upgrade/nix-build)"
