import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dashboardRouter } from '../../src/api/routes/dashboard.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { activeSigningKey, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * The dashboard in Chromium (playwright-core, Debian's Chromium) against the real stack: a user
 * signs in, scans a local fixture site, triages, fixes, verifies, approves and exports. Every
 * page and state is checked with axe-core (0 violations), with no CSP violation or script
 * error, and screenshotted into test-output/dashboard/.
 */

const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/dashboard');
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const STRICT_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const SITE_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fixture shop</title><meta name="description" content="A fixture page for the dashboard test">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body><main><h1>Fixture shop</h1><p>Hello.</p><img src="/a.png"></main></body></html>';

let headers: OutgoingHttpHeaders = {};
let site: Server;
let siteUrl: string;
let stack: Stack;
let storageDir: string;
let t: Tenant;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  storageDir = await mkdtemp(path.join(tmpdir(), 'sitewarden-dashboard-'));
  site = createServer((req, res) => {
    if (req.url === '/a.png') return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...headers }).end(SITE_PAGE);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  stack = await startStack({ STORAGE_DIR: storageDir, TEMPORAL_UI_URL: 'http://127.0.0.1:8233' });
  const secret = resolveInstanceSecret(stack.config);
  await activeSigningKey(stack.db.prisma, secret).catch((err) => {
    if (!(err instanceof SigningKeyUnavailable)) throw err;
    return rotateSigningKey(stack.db.prisma, secret);
  });
  t = await createTenant(stack.db.prisma, stack.baseUrl);
  browser = await chromium.launch({ executablePath: chromePath, args: ['--no-sandbox', '--headless=new'] });
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(stack.baseUrl) && !url.startsWith('data:')) problems.push(`foreign request: ${url}`);
  });
  // A CSP violation is reported to the page: collect them from inside it.
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
  site?.closeAllConnections();
  await new Promise((resolve) => site?.close(resolve));
  await rm(storageDir, { recursive: true, force: true });
});

/** axe-core in the page (evaluated over CDP, so the page's CSP still holds for the page itself). */
async function audit(name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded !== 'object') await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })))`)) as unknown[];
  expect([name, violations]).toEqual([name, []]);
  expect([name, problems]).toEqual([name, []]);
}

const heading = (text: string) => page.getByRole('heading', { level: 1, name: text });

it('signs in, scans, triages, verifies, approves and exports, accessibly', async () => {
  // ── sign in ────────────────────────────────────────────────────────────────────────────────
  await page.goto(stack.baseUrl);
  await heading('Sign in to Sitewarden').waitFor();
  // The audit can fail: an image without alternative text added to the page is reported.
  await page.evaluate(AXE_SOURCE);
  const planted = await page.evaluate(`(() => { const img = document.createElement('img'); img.src = 'data:,'; document.body.append(img);
    return axe.run(document, { resultTypes: ['violations'] }).then((r) => { img.remove(); return r.violations.map((v) => v.id); }); })()`);
  expect(planted).toContain('image-alt');
  await audit('01-sign-in');
  await page.getByLabel('API key').fill('not-a-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('An API key starts with kr_live_.').waitFor();
  await audit('02-sign-in-error');
  // With the keyboard alone: from a fresh load, Tab to the field, type, Enter; then from the
  // new view's heading (focused for screen readers) back to a nav link, and Enter.
  await page.reload();
  await heading('Sign in to Sitewarden').waitFor();
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement.id')).toBe('api-key');
  await page.keyboard.type(t.writeKey);
  await page.keyboard.press('Enter');
  await heading('Command center').waitFor();
  expect(await page.evaluate('document.activeElement.tagName')).toBe('H1');
  const reached: string[] = [];
  for (let i = 0; i < 10 && reached.at(-1) !== 'Scans'; i++) {
    await page.keyboard.press('Shift+Tab');
    reached.push(String(await page.evaluate('document.activeElement.textContent')).trim());
  }
  expect(reached).toEqual(['Sign out', expect.stringContaining('production-website'), 'Reports', 'Policies', 'Tasks', 'Findings', 'Scans']);
  await page.keyboard.press('Enter');
  await heading('Scans').waitFor();
  await page.getByRole('link', { name: 'Overview' }).click();
  await heading('Command center').waitFor();
  expect(page.url()).not.toContain(t.writeKey);
  expect(await page.getByRole('combobox', { name: 'Project' }).inputValue()).toBe(t.projectId);
  await page.getByText('The health trend appears after the first completed scan.').waitFor();
  await audit('03-overview-empty');

  // ── scan ───────────────────────────────────────────────────────────────────────────────────
  await page.getByRole('link', { name: 'Scans' }).click();
  await heading('Scans').waitFor();
  await page.getByText('No scan yet').waitFor();
  await audit('04-scans-empty');
  await page.getByLabel('URL').fill(siteUrl);
  // Every scanner, Lighthouse included: each slot must be seen reaching done over the live stream.
  for (const scanner of ['performance', 'security', 'seo', 'accessibility']) {
    expect(await page.getByRole('checkbox', { name: scanner }).isChecked()).toBe(true);
  }
  await page.getByRole('button', { name: 'Start scan' }).click();
  await heading('Scan').waitFor();
  const slots = ['performance', 'security', 'seo', 'accessibility'];
  for (const scanner of slots) await page.locator(`[data-scanner="${scanner}"]`).waitFor();
  await audit('05-scan-running');
  for (const scanner of slots) {
    await page.locator(`[data-scanner="${scanner}"] .badge`, { hasText: 'done' }).waitFor({ timeout: 240_000 });
  }
  await page.getByRole('heading', { name: 'Summary' }).waitFor({ timeout: 30_000 });
  await page.getByRole('link', { name: 'Open the run in the Temporal Web UI' }).waitFor();
  await audit('06-scan-done');

  // ── findings: filter, bulk change with a reason, open one ──────────────────────────────────
  await page.getByRole('link', { name: 'The findings this scan saw' }).click();
  await heading('Findings').waitFor();
  await page.locator('table.findings tbody tr').first().waitFor();
  await audit('07-findings');
  await page.getByRole('combobox', { name: 'Domain' }).selectOption('security');
  await page.waitForFunction(`location.hash.includes('domain=security')`);
  await page.getByRole('link', { name: 'Content-Security-Policy missing' }).waitFor();
  const domains = await page.locator('table.findings tbody tr td:nth-child(5)').allInnerTexts();
  expect(domains.length).toBeGreaterThan(0);
  expect(new Set(domains)).toEqual(new Set(['security']));
  await page.getByRole('checkbox', { name: 'Select Content-Security-Policy missing' }).check();
  await page.getByRole('textbox', { name: 'Reason' }).fill('Tracked in SEC-7');
  await page.getByRole('button', { name: 'Apply to selected' }).click();
  await page.getByText('1 of 1 findings moved to triaged.').waitFor();
  await audit('08-findings-filtered-bulk');
  await page.getByRole('link', { name: 'Content-Security-Policy missing' }).click();
  await heading('Finding').waitFor();
  await page.getByRole('heading', { name: 'Evidence' }).waitFor();
  await page.getByText('Tracked in SEC-7').waitFor();
  await audit('09-finding');

  // ── task, fix, verify, approve ─────────────────────────────────────────────────────────────
  await page.getByRole('button', { name: 'Create task' }).click();
  await heading('Task').waitFor();
  await page.getByText('Not verified yet.').waitFor();
  await audit('10-task');
  headers = { 'content-security-policy': STRICT_CSP };
  await page.getByRole('button', { name: 'Run verification' }).click();
  await page.locator('[data-verification="passed"]').waitFor({ timeout: 60_000 });
  await audit('11-verification-passed');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByText('Approved: the task and its finding are closed.').waitFor();
  await page.locator('.badge.task-done').waitFor();
  await audit('12-task-approved');
  await page.getByRole('link', { name: 'Tasks' }).click();
  await heading('Tasks').waitFor();
  await page.getByRole('heading', { name: /^done/ }).waitFor();
  await audit('13-tasks-board');

  // ── policies ───────────────────────────────────────────────────────────────────────────────
  await page.getByRole('link', { name: 'Policies' }).click();
  await heading('Policy').waitFor();
  await page.getByRole('button', { name: 'Test' }).click();
  await page.getByRole('heading', { name: 'Verdict' }).waitFor();
  await audit('14-policy-test');

  // ── reports: export a PDF, download it, check its evidence ─────────────────────────────────
  await page.getByRole('link', { name: 'Reports' }).click();
  await heading('Reports').waitFor();
  await page.getByText('No report yet').waitFor();
  await audit('15-reports-empty');
  await page.getByRole('combobox', { name: 'Format' }).selectOption('pdf');
  await page.getByRole('button', { name: 'Export' }).click();
  const download = page.getByRole('link', { name: 'Download PDF' });
  await download.waitFor({ timeout: 60_000 });
  const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
  const pdf = readFileSync(await file.path());
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  await page.getByRole('button', { name: 'Check the evidence' }).click();
  await page.getByText(/^The evidence verifies: signed by this instance's key/).waitFor();
  await audit('16-reports-exported');
  // A share link: shown once, and it opens the report's page for someone without a key.
  await page.getByRole('button', { name: 'Share the latest' }).click();
  const shareLink = page.getByRole('link', { name: /\/api\/v1\/shared\/reports\// });
  await shareLink.waitFor();
  await audit('16b-reports-shared');
  const shareUrl = (await shareLink.getAttribute('href'))!;
  const reader = await browser.newPage(); // a fresh context: no key in its storage
  try {
    const shared = await reader.goto(shareUrl);
    expect(shared?.status()).toBe(200);
    expect(shared?.headers()['content-type']).toContain('text/html');
    await reader.getByText('Content-Security-Policy missing').first().waitFor();
  } finally {
    await reader.close();
  }

  // ── overview with data, at phone width ─────────────────────────────────────────────────────
  await page.getByRole('link', { name: 'Overview' }).click();
  await heading('Command center').waitFor();
  await page.getByText('Health score per scan').waitFor();
  await audit('17-overview');
  await page.setViewportSize({ width: 375, height: 800 });
  await page.getByRole('link', { name: 'Findings' }).click();
  await heading('Findings').waitFor();
  await page.locator('table.findings tbody tr').first().waitFor();
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow).toBeLessThanOrEqual(0);
  await audit('18-findings-phone');

  // ── a revoked key signs out on its next call ───────────────────────────────────────────────
  await stack.db.prisma.apiKey.updateMany({ where: { org_id: t.orgId }, data: { revoked_at: new Date() } });
  await page.getByRole('link', { name: 'Scans' }).click();
  await heading('Sign in to Sitewarden').waitFor();
  await page.getByText('Your key was refused').waitFor();
  expect(await page.evaluate('sessionStorage.length')).toBe(0);
  // Chromium logs the refused call itself: that one, and nothing else.
  expect(problems).toEqual([expect.stringContaining('status of 401 (Unauthorized)')]);
  problems.length = 0;
  await audit('19-signed-out');
}, 300_000);

it('passes its own audit: no security-header or accessibility finding above low', async () => {
  // The dashboard as the API serves it, on a port of its own: the API's port is refused to scans.
  const app = express();
  app.disable('x-powered-by');
  app.use(dashboardRouter());
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const self = await createTenant(stack.db.prisma, stack.baseUrl);
    const scan = await call('POST', `${self.audit}/scans/run`, { key: self.writeKey, body: { url: target, scanners: ['security', 'accessibility'] } });
    expect(scan.status).toBe(202);
    await stack.temporal.client.workflow.getHandle(scan.body.data.workflow_id).result();
    const run = await call('GET', `${self.audit}/scans/${scan.body.data.id}`, { key: self.readKey });
    expect(run.body.data.scanner_status).toEqual({ security: { status: 'done' }, accessibility: { status: 'done' } });
    const findings = await call('GET', `${self.audit}/findings?limit=200`, { key: self.readKey });
    const aboveLow = findings.body.data.filter((f: { severity: string }) => f.severity !== 'low').map((f: { check_id: string; severity: string }) => `${f.check_id} (${f.severity})`);
    expect(aboveLow).toEqual([]);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}, 90_000);
