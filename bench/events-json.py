#!/usr/bin/env python3
"""Re-packs a plain '(request-id) message' export as `aws logs filter-log-events` output (the CLI's indented JSON:
one event object per line of the export, with stream name, timestamp, ingestion time and event id), streaming.
Usage: events-json.py IN OUT"""
import json, sys
src, out = sys.argv[1], sys.argv[2]
t = 1_714_568_720_000
with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8", buffering=1 << 20) as w:
    w.write('{\n    "events": [\n')
    first = True
    for line in f:
        line = line.rstrip("\n")
        if not line:
            continue
        w.write(('' if first else ',\n') + '        {\n            "logStreamName": "0123456789abcdef0123456789abcdef",\n'
                f'            "timestamp": {t},\n            "message": {json.dumps(line)},\n'
                f'            "ingestionTime": {t + 600},\n            "eventId": "3864{t}"\n        }}')
        first = False
        t += 1
    w.write('\n    ],\n    "searchedLogStreams": []\n}\n')
