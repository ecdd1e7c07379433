// Drives the approval page in Debian's headless Chromium (playwright-core, which never downloads a browser), the way
// a person does: open the link from the message, read the plan, click Approve, read the result.
// Usage: node tests/browser/approve.spec.mjs <scenarios.json>
// scenarios.json: [{"name": "...", "steps": [{"goto": url} | {"see": selector, "text"?: substring} | {"click": selector}
//                                            | {"shot": path}]}]
// Prints one JSON line with what each scenario saw; exits 1 with the reasons when a step fails.
import { chromium } from 'playwright-core';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node approve.spec.mjs <scenarios.json>');
  process.exit(2);
}
const scenarios = JSON.parse(readFileSync(file, 'utf8'));

// The machine's network is closed: without these flags Chromium keeps trying to reach Google's hosts.
const profile = mkdtempSync(join(tmpdir(), 'remediator-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
  viewport: { width: 1000, height: 900 },
});
const problems = [];
const results = [];
try {
  for (const scenario of scenarios) {
    const page = await context.newPage();
    const errors = [];
    const requests = [];
    // Chromium logs a page answered 403, 409 or 410 as a console error; those statuses are the point of some
    // scenarios. Every other error counts, and so does any request besides the pages themselves (the page has no assets).
    page.on('console', m => {
      if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) errors.push(m.text());
    });
    page.on('pageerror', e => errors.push(String(e)));
    let origin = null;
    page.on('request', r => { if (r.resourceType() !== 'document' || (origin && !r.url().startsWith(origin))) requests.push(r.url()); });
    const seen = [];
    try {
      for (const step of scenario.steps) {
        if (step.goto) {
          origin = new URL(step.goto).origin;
          const response = await page.goto(step.goto, { waitUntil: 'load' });
          seen.push({ goto: response?.status() });
        } else if (step.see) {
          const el = await page.waitForSelector(step.see, { timeout: 30000 });
          const text = (await el.textContent()) ?? '';
          if (step.text && !text.includes(step.text)) throw new Error(`${step.see} says "${text.slice(0, 200)}", not "${step.text}"`);
          seen.push({ see: step.see });
        } else if (step.click) {
          await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: 60000 }), page.click(step.click)]);
          seen.push({ click: step.click, url: page.url().length });
        } else if (step.shot) {
          await page.screenshot({ path: step.shot, fullPage: true });
          seen.push({ shot: step.shot });
        }
      }
    } catch (e) {
      problems.push(`${scenario.name}: ${e.message}`);
    }
    if (errors.length) problems.push(`${scenario.name}: console errors: ${errors.join(' | ')}`);
    if (requests.length) problems.push(`${scenario.name}: requests outside the page: ${requests.join(' ')}`);
    results.push({ name: scenario.name, steps: seen.length, errors, requests });
    await page.close();
  }
  console.log(JSON.stringify({ scenarios: results }));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
