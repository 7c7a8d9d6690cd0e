#!/usr/bin/env bash
# Benchmark: install 200 secrets from 5 sops files the way `hearth secrets
# install` does (one hearth-sops helper run decrypting each file once)
# against a shell loop running `sops -d --extract` once per secret (what a
# sops-CLI-based script does), and against the same install with sops linked
# in-process (what the helper process costs). Prints medians and ratios.
#   RUNS=7 SECRETS_FILES=5 SECRETS_PER_FILE=40 bash bench/secrets/run.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
runs=${RUNS:-7}
files=${SECRETS_FILES:-5}
per_file=${SECRETS_PER_FILE:-40}

work=$(mktemp -d)
# Secrets land on tmpfs in production (/run); install both ways onto tmpfs
# too when there is one, so neither side pays for disk writes.
if [ -z "${BENCH_OUT:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then BENCH_OUT=/dev/shm; fi
out=$(mktemp -d -p "${BENCH_OUT:-$work}")
trap 'rm -rf "$work" "$out"' EXIT
bin=$work/bin
mkdir -p "$bin"

ver=$(cd "$repo" && go list -m -f '{{.Version}}' github.com/getsops/sops/v3)
echo "building sops $ver CLI (first build takes minutes)..." >&2
GOBIN=$bin go install "github.com/getsops/sops/v3/cmd/sops@$ver"
# hearth finds hearth-sops next to itself.
(cd "$repo" && go build -o "$bin/gen" ./bench/secrets/gen && go build -o "$bin/install" ./bench/secrets/install &&
  go build -o "$bin/hearth" ./cmd/hearth && go build -o "$bin/hearth-sops" ./cmd/hearth-sops)

"$bin/gen" -out "$work/fixture" -files "$files" -per-file "$per_file"
manifest=$work/fixture/manifest.json
keyfile=$work/fixture/key.txt
# name<TAB>file<TAB>extract, one secret a line, for the shell loop.
python3 -c 'import json,sys
for s in json.load(open(sys.argv[1]))["secrets"]: print(s["name"], s["file"], s["extract"], sep="\t")' "$manifest" > "$work/list.tsv"
count=$(wc -l < "$work/list.tsv")
# The same secrets as a hearth config; the root is set per run below.
python3 -c 'import getpass,json,sys
m = json.load(open(sys.argv[1]))
print("state_dir = %s" % json.dumps(sys.argv[2]))
print("[secrets]\nroot = \"@ROOT@\"\nage_key_file = %s" % json.dumps(m["key_file"]))
for s in m["secrets"]:
    print("[[secrets.secret]]\nname = %s\nsops_file = %s\nkey = %s\nowner = %s\nmode = \"0400\"" % (json.dumps(s["name"]), json.dumps(s["file"]), json.dumps(s["key"]), json.dumps(getpass.getuser())))' \
  "$manifest" "$work/state" > "$work/hearth.toml.in"

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

hearth_run() { # $1 = fresh root; the config is written before the clock starts
  "$bin/hearth" --config "$1.toml" secrets install > /dev/null
}
hearth_config() { # $1 = fresh root
  mkdir -p "$(dirname "$1")"
  sed "s|@ROOT@|$1|" "$work/hearth.toml.in" > "$1.toml"
}
inproc_run() { # $1 = fresh root
  "$bin/install" -manifest "$manifest" -root "$1" > /dev/null
}
loop_run() { # $1 = fresh output dir
  mkdir -p "$1"
  while IFS=$'\t' read -r name file extract; do
    SOPS_AGE_KEY_FILE=$keyfile "$bin/sops" -d --extract "$extract" "$file" > "$1/$name"
    chmod 0400 "$1/$name"
  done < "$work/list.tsv"
}

# Same work, same result: both trees must hold identical files.
hearth_config "$out/check/secrets"
hearth_run "$out/check/secrets"
loop_run "$out/check/loop"
diff -r "$out/check/secrets/" "$out/check/loop/" > /dev/null || { echo "outputs differ" >&2; exit 1; }

: > "$work/hearth.ms"; : > "$work/loop.ms"; : > "$work/inproc.ms"
for i in $(seq "$runs"); do
  hearth_config "$out/h$i/secrets"
  t0=$(now_ms); hearth_run "$out/h$i/secrets"; t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/hearth.ms"
  t0=$(now_ms); inproc_run "$out/p$i/secrets"; t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/inproc.ms"
  t0=$(now_ms); loop_run "$out/l$i"; t1=$(now_ms)
  echo $((t1 - t0)) >> "$work/loop.ms"
  rm -rf "$out/h$i" "$out/p$i" "$out/l$i"
done
h=$(median < "$work/hearth.ms")
p=$(median < "$work/inproc.ms")
l=$(median < "$work/loop.ms")
echo "secrets: $count from $files sops files, $runs runs each (median wall time), output on $(df --output=fstype "$out" | tail -1) ($out)"
echo "hearth secrets install (runs hearth-sops once, each file decrypted once): ${h} ms   [$(tr '\n' ' ' < "$work/hearth.ms")]"
echo "secrets.Install with sops linked in-process (no helper, no CLI):          ${p} ms   [$(tr '\n' ' ' < "$work/inproc.ms")]"
echo "shell loop, sops -d --extract per secret:                                ${l} ms   [$(tr '\n' ' ' < "$work/loop.ms")]"
awk -v h="$h" -v l="$l" -v p="$p" 'BEGIN {printf "ratio loop/hearth: %.1fx; helper overhead: %+d ms\n", l/h, h-p}'

# What the split buys: hearth no longer links sops; hearth-sops does.
(cd "$repo" && go build -ldflags='-s -w' -o "$bin/hearth-stripped" ./cmd/hearth &&
  go build -ldflags='-s -w' -o "$bin/hearth-sops-stripped" ./cmd/hearth-sops)
if (cd "$repo" && go list -deps ./cmd/hearth | grep -q '^github.com/getsops/'); then
  echo "error: cmd/hearth links sops again" >&2; exit 1
fi
size() { stat -c %s "$1"; }
for v in "" -stripped; do
  awk -v a="$(size "$bin/hearth$v")" -v b="$(size "$bin/hearth-sops$v")" -v v="${v:+ (-s -w)}" \
    'BEGIN {printf "binaries%s: hearth %.1f MB, hearth-sops %.1f MB\n", v, a/1e6, b/1e6}'
done
echo "packages linked: hearth $(cd "$repo" && go list -deps ./cmd/hearth | wc -l), hearth-sops $(cd "$repo" && go list -deps ./cmd/hearth-sops | wc -l)"
