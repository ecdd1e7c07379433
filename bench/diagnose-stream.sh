#!/usr/bin/env bash
# diagnose streaming: 1 GiB exports (generated here, not committed), plain text and filter-log-events JSON, through
# the release build of `remediator diagnose`; prints MB/s and peak RSS. SIZE overrides the size in bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${SIZE:-1073741824}
dir=$(mktemp -d)
dotnet build -c Release bench/Remediator.Benchmarks -v q --nologo > /dev/null
dotnet build -c Release functions/Remediator.Cli -v q --nologo > /dev/null
gen=bench/Remediator.Benchmarks/bin/Release/net10.0/Remediator.Benchmarks
"$gen" generate-export text "$size" "$dir/export.log"
"$gen" generate-export json "$size" "$dir/export.json"
echo "| input | size | time | throughput | peak RSS |"
echo "|---|---:|---:|---:|---:|"
for f in export.log export.json; do
  bytes=$(stat -c %s "$dir/$f")
  /usr/bin/time -f "%e %M" -o "$dir/time" dotnet functions/Remediator.Cli/bin/Release/net10.0/remediator.dll diagnose --format json "$dir/$f" > /dev/null
  read -r secs kb < "$dir/time"
  awk -v f="$f" -v b="$bytes" -v s="$secs" -v k="$kb" 'BEGIN { printf "| %s | %.0f MiB | %.2f s | %.0f MB/s | %.0f MB |\n", f, b/1048576, s, b/1048576/s, k/1024 }'
done
rm -rf "$dir"
