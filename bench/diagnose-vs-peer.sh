#!/usr/bin/env bash
# `remediator diagnose` against the Node.js script an SRE would write (../shared/bench/peer_classify.js), side by
# side in one run, on realistic REST execution-log exports (bench/genlogs.py: INFO with data tracing, about one
# request in ten failing) of 200 MB and 1 GB, as plain text and as filter-log-events JSON (the same events, three
# times the bytes). Checks that the counts per cause agree, and prints CPU time (user + sys, best of RUNS), the
# CPU-time ratio, MB per CPU-second and peak RSS (/usr/bin/time). The ratio in one run is the figure; absolute
# seconds follow the machine's load, which is printed. The peer reads lines and has no JSON reader: on the JSON it
# is fed the messages by bench/json-messages.js (Node, line by line, constant memory: `node json-messages.js FILE |
# node peer /dev/stdin`, both processes counted), and the JSON row also gives the ratio to the peer on the text (the
# stricter reference: a third of the bytes) and, unless JSON_PEER=0, to `jq -r '.events[].message' FILE | node peer
# /dev/stdin`. Every peer's counts are checked.
#   SIZES="200 1024"  export sizes in MB      RUNS=3  runs per command (best kept)
#   JSON_PEER=0       skip the jq | node peer (jq holds the whole JSON in memory: about 2.4x its size)
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
    if [ "$kb" -gt "$best_kb" ]; then best_kb=$kb; fi
  done
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
  "$(dotnet --version) SDK, ${BUILD:-aot} build, node $(node --version); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| input | size | peer CPU | diagnose CPU | ratio | diagnose MB per CPU-s | diagnose peak RSS | peer peak RSS | counts agree | ratio to the peer on the text | jq \\| peer CPU | ratio to it |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|"
for mb in $sizes; do
  text=$dir/export-$mb.log
  json=$dir/export-$mb.json
  [ -s "$text" ] || python3 bench/genlogs.py "$mb" "$text"
  [ -s "$json" ] || python3 bench/events-json.py "$text" "$json"
  measure "$dir/peer.tsv" node "$peer" "$text"
  text_peer_cpu=$best_cpu; text_peer_kb=$best_kb
  sort "$dir/peer.tsv" > "$dir/peer.sorted"
  for input in "$text" "$json"; do
    peer_cpu=$text_peer_cpu; peer_kb=$text_peer_kb; agree_peer=yes
    if [ "$input" = "$json" ]; then
      # The peer on the same file: its messages extracted line by line in Node (bench/json-messages.js), piped in.
      measure "$dir/jsonpeer.tsv" sh -c 'node bench/json-messages.js "$1" | node "$2" /dev/stdin' sh "$input" "$peer"
      peer_cpu=$best_cpu; peer_kb=$best_kb
      sort "$dir/jsonpeer.tsv" | cmp -s - "$dir/peer.sorted" || agree_peer=no
    fi
    measure "$dir/diagnose.json" "${cli[@]}" diagnose --format json "$input"
    python3 -c 'import json,sys,collections
c=collections.Counter()
for f in json.load(open(sys.argv[1]))["findings"]: c[f["cause"]]+=f["count"]
print("\n".join(f"{k}\t{v}" for k,v in c.items()))' "$dir/diagnose.json" | sort > "$dir/diagnose.sorted"
    agree=$(cmp -s "$dir/peer.sorted" "$dir/diagnose.sorted" && [ "$agree_peer" = yes ] && echo "yes ($(awk -F'\t' '{n+=$2} END {print n}' "$dir/peer.sorted") failed)" || echo "NO")
    bytes=$(stat -c %s "$input")
    diag_cpu=$best_cpu; diag_kb=$best_kb
    jq_peer="—"; jq_ratio="—"
    if [ "$input" = "$json" ] && [ "${JSON_PEER:-1}" != 0 ]; then
      measure "$dir/jqpeer.tsv" sh -c 'jq -r ".events[].message" "$1" | node "$2" /dev/stdin' sh "$input" "$peer"
      sort "$dir/jqpeer.tsv" | cmp -s - "$dir/peer.sorted" && same="" || same=" (counts differ)"
      jq_peer="$best_cpu s$same"
      jq_ratio=$(awk -v p="$best_cpu" -v d="$diag_cpu" 'BEGIN { printf "%.1f×", p/d }')
    fi
    awk -v f="${input##*.}" -v b="$bytes" -v p="$peer_cpu" -v tp="$text_peer_cpu" -v d="$diag_cpu" -v k="$diag_kb" -v pk="$peer_kb" -v a="$agree" -v jp="$jq_peer" -v jr="$jq_ratio" \
      'BEGIN { printf "| %s | %.0f MB | %.2f s | %.2f s | %.1f× | %.0f | %.0f MB | %.0f MB | %s | %.1f× | %s | %s |\n", (f == "log" ? "text" : "filter-log-events JSON"), b/1e6, p, d, p/d, b/1e6/d, k/1024, pk/1024, a, tp/d, jp, jr }'
  done
done
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); runs per command: $runs"
[ -n "${KEEP:-}" ] || rm -rf "$dir"
