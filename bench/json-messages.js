// The messages of an `aws logs filter-log-events` output, one per line: how an SRE feeds that JSON to a line-based
// script (the peer) without jq. The CLI prints each event field on its own line, so a line-by-line match of
// `"message": "...",` and JSON.parse of the string literal is enough, in constant memory (JSON.parse of the whole
// file fails past Node's 512 MB string limit, and jq holds about 2.4 times the file in memory).
const fs = require('fs'); const readline = require('readline');
const MESSAGE = /^\s*"message": (".*"),?$/;
const rl = readline.createInterface({ input: fs.createReadStream(process.argv[2]), crlfDelay: Infinity });
let out = [];
rl.on('line', (line) => {
  const m = MESSAGE.exec(line); if (!m) return;
  out.push(JSON.parse(m[1]));
  if (out.length === 4096) { process.stdout.write(out.join('\n') + '\n'); out = []; }
});
rl.on('close', () => { if (out.length) process.stdout.write(out.join('\n') + '\n'); });
