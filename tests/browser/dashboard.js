#!/usr/bin/env node
/* Drives the dashboard in Debian's headless Chromium (playwright-core, no bundled browser):
 * opens the page, signs in with a reporter's key and secret, waits until a vault's auction
 * progress changes live (a WebSocket notification after the snapshot), checks that the NAV
 * chart has drawn its series on the canvas, waits for the fills table, downloads the fills
 * CSV and saves it. Prints one JSON line with what it saw; exits non-zero on any failure.
 *
 * Environment: DASHBOARD_URL (http://127.0.0.1:PORT/), DASHBOARD_API_KEY, DASHBOARD_SECRET,
 * DASHBOARD_VAULT (a covered put spread vault id), DASHBOARD_OUT (a folder: fills.csv and
 * dashboard.png go there), CHROMIUM (default /usr/bin/chromium), DASHBOARD_TIMEOUT_MS
 * (overall, default 75000). Run by tests/integration/test_dashboard.py. */
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require('playwright-core');

const env = (name, dflt) => {
  const v = process.env[name];
  if (v === undefined || v === '') {
    if (dflt === undefined) throw new Error(name + ' is not set');
    return dflt;
  }
  return v;
};

const url = env('DASHBOARD_URL');
const apiKey = env('DASHBOARD_API_KEY');
const secret = env('DASHBOARD_SECRET');
const vault = env('DASHBOARD_VAULT', 'lbtc-maxi');
const out = env('DASHBOARD_OUT');
const executablePath = env('CHROMIUM', '/usr/bin/chromium');
const budget = parseInt(env('DASHBOARD_TIMEOUT_MS', '75000'), 10);
const started = Date.now();
const left = () => Math.max(1000, budget - (Date.now() - started));

const seen = { console_errors: [], steps: [] };
const step = (what, extra) => {
  const s = Object.assign({ what, at_ms: Date.now() - started }, extra || {});
  seen.steps.push(s);
  process.stderr.write('dashboard: ' + JSON.stringify(s) + '\n');
};

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'optdesk-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 1400 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
    timeout: 30000,
  });
  const killer = setTimeout(() => {
    process.stderr.write('dashboard: overall timeout, closing the browser\n');
    context.close().catch(() => {});
  }, budget + 5000);
  try {
    const page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') seen.console_errors.push(m.text()); });
    page.on('pageerror', (e) => seen.console_errors.push('pageerror: ' + e.message));
    page.setDefaultTimeout(20000);

    await page.goto(url, { waitUntil: 'load', timeout: 20000 });
    step('loaded', { title: await page.title() });
    if (!await page.isHidden('#dashboard') || !await page.isVisible('#login-form')) {
      throw new Error('before sign-in the page shows the dashboard, or no login form');
    }

    /* sign in */
    await page.fill('#api-key', apiKey);
    await page.fill('#api-secret', secret);
    await page.click('#signin');
    const outcome = await (await page.waitForFunction(() => {
      if (!document.getElementById('dashboard').hidden) return 'in';
      const err = document.getElementById('login-error').textContent;
      return err ? 'error: ' + err : false;
    }, null, { timeout: 20000 })).jsonValue();
    if (outcome !== 'in') throw new Error('sign-in failed: ' + outcome);
    await page.waitForSelector('#dashboard', { state: 'visible', timeout: 5000 });
    if (!await page.isHidden('#login')) throw new Error('the login form is still shown after sign-in');
    seen.status = await page.textContent('#status');
    step('signed_in', { status: seen.status });
    if (seen.status !== 'signed in') throw new Error('status after sign-in: ' + seen.status);
    if (!await page.evaluate(() => !!sessionStorage.getItem('optdesk.dashboard.creds'))) {
      throw new Error('the credentials are not kept in sessionStorage');
    }

    /* the auction: the snapshot first, then a live change */
    const text = `.vault[data-vault="${vault}"] .auction-text`;
    await page.waitForFunction((sel) => {
      const e = document.querySelector(sel);
      return e && e.dataset.seq !== undefined && e.textContent !== '';
    }, text, { timeout: Math.min(20000, left()) });
    seen.auction_first = await page.textContent(text);
    seen.stage_first = await page.textContent(`.vault[data-vault="${vault}"] .stage`);
    step('auction_snapshot', { text: seen.auction_first, stage: seen.stage_first });
    await page.waitForFunction(([sel, first]) => {
      const e = document.querySelector(sel);
      return e && parseInt(e.dataset.liveUpdates || '0', 10) > 0 && e.textContent !== first;
    }, [text, seen.auction_first], { timeout: Math.min(40000, left()) });
    seen.auction_later = await page.textContent(text);
    seen.stage_later = await page.textContent(`.vault[data-vault="${vault}"] .stage`);
    seen.live_updates = parseInt(await page.getAttribute(text, 'data-live-updates'), 10);
    seen.ws_state = await page.textContent('#ws-state');
    step('auction_changed_live', { text: seen.auction_later, live_updates: seen.live_updates });

    /* the NAV chart: points plotted, and the series' colour on the canvas */
    await page.waitForFunction(() => {
      const c = document.getElementById('nav-chart');
      return c && parseInt(c.dataset.points || '0', 10) > 0;
    }, null, { timeout: Math.min(20000, left()) });
    const nav = await page.evaluate(() => {
      const c = document.getElementById('nav-chart');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let series = 0;
      let ink = 0;
      for (let i = 0; i < d.length; i += 4) {
        const [r, g, b] = [d[i], d[i + 1], d[i + 2]];
        if (r < 250 || g < 250 || b < 250) ink++;
        if (Math.abs(r - 0x1f) < 40 && Math.abs(g - 0x6f) < 40 && Math.abs(b - 0xeb) < 40) series++;
      }
      return { points: parseInt(c.dataset.points, 10), series_pixels: series, ink_pixels: ink,
        width: c.width, height: c.height };
    });
    seen.nav = nav;
    step('nav_chart', nav);
    if (nav.series_pixels < 20) throw new Error('the NAV chart has no series drawn: ' + JSON.stringify(nav));

    /* recent fills, then the CSV export */
    await page.waitForFunction(() => parseInt(document.getElementById('fills').dataset.rows || '0', 10) > 0,
      null, { timeout: Math.min(30000, left()) });
    seen.fill_rows = parseInt(await page.getAttribute('#fills', 'data-rows'), 10);
    seen.oracle_rows = await page.$$eval('#oracles tbody tr[data-underlying]', (rows) =>
      rows.map((r) => Array.from(r.cells, (c) => c.textContent)));
    step('panels', { fill_rows: seen.fill_rows, oracles: seen.oracle_rows });
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: Math.min(20000, left()) }),
      page.click('#fills-csv'),
    ]);
    const csvPath = path.join(out, 'fills.csv');
    await download.saveAs(csvPath);
    seen.csv = csvPath;
    seen.csv_name = download.suggestedFilename();
    step('csv_saved', { path: csvPath, bytes: fs.statSync(csvPath).size, name: seen.csv_name });

    await page.screenshot({ path: path.join(out, 'dashboard.png'), fullPage: true });
    seen.ok = true;
  } finally {
    clearTimeout(killer);
    await context.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main().then(() => {
  process.stdout.write(JSON.stringify(seen) + '\n');
}, (e) => {
  seen.ok = false;
  seen.error = String(e && e.stack || e);
  process.stdout.write(JSON.stringify(seen) + '\n');
  process.exitCode = 1;
});
