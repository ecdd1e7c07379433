#!/usr/bin/env bash
# `remediator diagnose` against the Node.js script an SRE would write (../shared/bench/peer_classify.js), side by
# side in one run, on realistic REST execution-log exports (bench/genlogs.py: INFO with data tracing, about one
# request in ten failing) of 200 MB and 1 GB, as plain text and as filter-log-events JSON (the same events; the peer
# reads the text form, it has no JSON reader). Checks that the counts per cause agree, and prints CPU time (user +
# sys, best of RUNS), the CPU-time ratio, MB per CPU-second and peak RSS (/usr/bin/time). The ratio in one run is
# the figure; absolute seconds follow the machine's load, which is printed.
#   SIZES="200 1024"  export sizes in MB      RUNS=3  runs per command (best kept)
#   PEER=path         the peer script          KEEP=dir  keep the generated exports there (and reuse them)
#   RID=linux-x64     the runtime of the native (Native AOT) build measured; BUILD=jit measures the framework-dependent
#                     build run by `dotnet` instead (JIT start-up and background compilation included)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${SIZES:-200 1024}
runs=${RUNS:-3}
peer=${PEER:-../shared/bench/peer_classify.js}
dir=${KEEP:-$(mktemp -d)}
mkdir -p "$dir"
if [ "${BUILD:-aot}" = jit ]; then
  dotnet build -c Release functions/Remediator.Cli -v q --nologo > /dev/null
  cli=(dotnet functions/Remediator.Cli/bin/Release/net10.0/remediator.dll)
else
  dotnet publish -c Release -r "${RID:-linux-x64}" functions/Remediator.Cli -o "$dir/bin" -v q --nologo > /dev/null
  cli=("$dir/bin/remediator")
fi

# Best-of-$runs CPU seconds (user + sys) and peak RSS in KB of a command whose stdout goes to $out.
measure() {
  local out=$1; shift
  best_cpu=""; best_kb=0
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%U %S %M" -o "$dir/time" "$@" > "$out"
    read -r u s kb < "$dir/time"
    cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    if [ -z "$best_cpu" ] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then best_cpu=$cpu; fi
    [ "$kb" -gt "$best_kb" ] && best_kb=$kb
  done
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
  "$(dotnet --version) SDK, ${BUILD:-aot} build, node $(node --version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| input | size | peer CPU | diagnose CPU | ratio | diagnose MB per CPU-s | diagnose peak RSS | peer peak RSS | counts agree |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|"
for mb in $sizes; do
  text=$dir/export-$mb.log
  json=$dir/export-$mb.json
  [ -s "$text" ] || python3 bench/genlogs.py "$mb" "$text"
  [ -s "$json" ] || python3 bench/events-json.py "$text" "$json"
  measure "$dir/peer.tsv" node "$peer" "$text"
  peer_cpu=$best_cpu; peer_kb=$best_kb
  sort "$dir/peer.tsv" > "$dir/peer.sorted"
  for input in "$text" "$json"; do
    measure "$dir/diagnose.json" "${cli[@]}" diagnose --format json "$input"
    python3 -c 'import json,sys,collections
c=collections.Counter()
for f in json.load(open(sys.argv[1]))["findings"]: c[f["cause"]]+=f["count"]
print("\n".join(f"{k}\t{v}" for k,v in c.items()))' "$dir/diagnose.json" | sort > "$dir/diagnose.sorted"
    agree=$(cmp -s "$dir/peer.sorted" "$dir/diagnose.sorted" && echo "yes ($(awk -F'\t' '{n+=$2} END {print n}' "$dir/peer.sorted") failed)" || echo "NO")
    bytes=$(stat -c %s "$input")
    awk -v f="${input##*.}" -v b="$bytes" -v p="$peer_cpu" -v d="$best_cpu" -v k="$best_kb" -v pk="$peer_kb" -v a="$agree" \
      'BEGIN { printf "| %s | %.0f MB | %.2f s | %.2f s | %.1f× | %.0f | %.0f MB | %.0f MB | %s |\n", (f == "log" ? "text" : "filter-log-events JSON"), b/1e6, p, d, p/d, b/1e6/d, k/1024, pk/1024, a }'
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); runs per command: $runs"
[ -n "${KEEP:-}" ] || rm -rf "$dir"
