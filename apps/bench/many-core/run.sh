#!/usr/bin/env bash
# On the many-core machine: unpacks what pack.mjs made beside this script (the bench and a
# node binary) into a temporary folder and runs issue 19's sweep in one go, about 5–8
# minutes on 16 cores: every single-core and cross-core workload against its peers, and
# multi-scale at 1, 2, 4, 8 and (cores − 2) cores, leaving two for the OS and the bench
# thread. Writes many-core.txt (the tables) and many-core.json (machine, load, every run)
# to $OUT, else to ./out beside this script. Needs bash, tar and xz; no Node.js, no network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/out}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
xz -dc "$here/node.xz" > "$work/node"
chmod +x "$work/node"
tar -xJf "$here/bench.tar.xz" -C "$work"

n=$(nproc)
if [ -n "${PD_CORES:-}" ]; then
  cores=$PD_CORES
else
  cores=1
  for k in 2 4 8; do
    if [ "$k" -le "$n" ]; then cores="$cores,$k"; fi
  done
  if [ $((n - 2)) -gt 8 ]; then cores="$cores,$((n - 2))"; fi
fi
{ echo "machine: $n cores; $(cat "$here/VERSION" 2>/dev/null | tr '\n' ' ')"; echo "multi-scale core counts: $cores"; } | tee "$out/many-core.txt"
# The runner stops each child at --timeout (seconds); the outer timeout bounds the whole run.
timeout 570 "$work/node" "$work/bench/dist/cli.js" \
  --only ring,spawn,pingpong,ask,fanin,hotswap,timers,cross-core,cross-core-rtt,multi-scale \
  --impl pd,bare-v8,pd-multi,postMessage,postMessage-batch,bare-v8-workers \
  --cores "$cores" --runs 5 --procs 2 --timeout 120 \
  --json "$out/many-core.json" "$@" 2>&1 | tee -a "$out/many-core.txt"
