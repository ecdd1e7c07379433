#!/usr/bin/env bash
# Cold start of the function, per build kind: a fresh process handles one realistic delivery end to end (a loopback
# Runtime API hands it out, a loopback SNS receives the message). Prints a markdown table: median, min, max wall
# time from process start to the response posted, and median peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-10}
out=$(mktemp -d)
dotnet build -c Release bench/Remediator.ColdStart -v q --nologo > /dev/null
dotnet publish functions/Remediator.Bootstrap -c Release -r linux-x64 -p:PublishAot=false --self-contained false -o "$out/jit" -v q --nologo > /dev/null
dotnet publish functions/Remediator.Bootstrap -c Release -r linux-x64 -p:PublishAot=false -p:PublishReadyToRun=true --self-contained false -o "$out/r2r" -v q --nologo > /dev/null
dotnet publish functions/Remediator.Bootstrap -c Release -r linux-x64 -o "$out/aot" -v q --nologo > /dev/null
bench=bench/Remediator.ColdStart/bin/Release/net10.0/Remediator.ColdStart
event=samples/subscription-envelope.json
echo "| build | median | min | max | peak RSS | runs |"
echo "|---|---:|---:|---:|---:|---:|"
"$bench" JIT "$runs" "$event" dotnet "$out/jit/bootstrap.dll"
"$bench" ReadyToRun "$runs" "$event" dotnet "$out/r2r/bootstrap.dll"
"$bench" "Native AOT" "$runs" "$event" "$out/aot/bootstrap"
echo "Native AOT binary: $(stat -c %s "$out/aot/bootstrap") bytes; newest glibc symbol: $(objdump -T "$out/aot/bootstrap" | grep -oE 'GLIBC_[0-9.]+' | sort -Vu | tail -1)"
