// Opens a report page in Debian's headless Chromium (driven by playwright-core, which never downloads a browser),
// checks that the chart is drawn and that the page logs no error, and writes a screenshot.
// Usage: node tests/browser/report.spec.mjs <report.html> <screenshot.png> [width [height]]
// Prints one JSON line with what it measured; exits 1 with the reason when a check fails.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [page_, shot, width = '1100', height = '1000'] = process.argv.slice(2);
if (!page_ || !shot) {
  console.error('usage: node report.spec.mjs <report.html> <screenshot.png> [width [height]]');
  process.exit(2);
}

// The machine's network is closed: without these flags Chromium keeps trying to reach Google's hosts.
const profile = mkdtempSync(join(tmpdir(), 'remediator-chromium-'));
// A new empty profile each run (playwright passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: Number(width), height: Number(height) },
});
const problems = [];
try {
  const page = await context.newPage();
  const errors = [];
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', e => errors.push(String(e)));
  // Anything the page tries to fetch is a broken promise of a self-contained page.
  const requests = [];
  page.on('request', r => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
  await page.goto(pathToFileURL(resolve(page_)).href, { waitUntil: 'load' });
  const bars = await page.$$eval('svg.chart rect.bar', rs => rs.map(r => {
    const b = r.getBoundingClientRect();
    return { w: b.width, h: b.height, count: Number(r.getAttribute('data-count')) };
  }));
  const drawn = bars.filter(b => b.w > 0 && b.h > 0);
  const legend = await page.$$eval('ul.legend li', ls => ls.length);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (bars.length === 0) problems.push('no bar in the chart');
  if (drawn.length !== bars.length) problems.push(`${bars.length - drawn.length} bar(s) drawn with zero size`);
  if (errors.length) problems.push(`console errors: ${errors.join(' | ')}`);
  if (requests.length) problems.push(`requests outside the page: ${requests.join(' ')}`);
  if (overflow > 0) problems.push(`page wider than the viewport by ${overflow}px`);
  // The top of the page (summary, chart, legend, the findings table's start): what a reader sees first.
  await page.screenshot({ path: shot, fullPage: false });
  console.log(JSON.stringify({ bars: bars.length, drawn: drawn.length, failures: bars.reduce((s, b) => s + b.count, 0), legend, errors, requests, overflow }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
