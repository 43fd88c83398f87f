import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axeCore from 'axe-core';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { startHostileSite, strayDownloads, type HostileSite, type HostilePath } from '../support/hostile-site.ts';
import { call, eventually } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * A battery of pages that attack the scanner, scanned through the API of a running stack (docs/
 * scanning.md, Hostile pages). After every page: the worker and the API still answer; no datagram
 * reached the UDP listener; no file appeared outside the scan's temporary directory; findings are
 * bounded and every axe check id is a rule axe knows; the scan ends within the configured limits;
 * another org's scan started at the same time (with an axe audit when the hostile scan uses the
 * browser queue) completes.
 */
const WALL_CLOCK_SECONDS = 90;
// Room for an ordinary page (an idle Chromium is ~380 MB by this measure, a plain page ~640 MB under load),
// well under what the memory bomb would take.
const MEMORY_LIMIT_MB = 1024;
const BROWSER_SCANNERS = ['accessibility', 'performance'];
/** The queue's longest retry interval (browserScanners in src/workflows/scan.ts): a task waiting for the org's browser share is tried again this often. */
const QUEUE_RETRY_SECONDS = 30;
/**
 * How long a hostile scan may take: its browser activities run one after another (one browser per
 * org at a time), each under the wall-clock limit and each after at most one queue retry interval,
 * plus the light scanners and bookkeeping; never less than two browser runs.
 */
const scanDeadlineMs = (scanners: string[]) =>
  (Math.max(2, scanners.filter((s) => BROWSER_SCANNERS.includes(s)).length) * (WALL_CLOCK_SECONDS + QUEUE_RETRY_SECONDS) + 60) * 1000;
const AXE_RULES = new Set(axeCore.getRules().map((rule) => rule.ruleId));
const MAX_FINDINGS_PER_SCAN = 150;
const MAX_FINDING_JSON_BYTES = 64 * 1024;

let stack: Stack;
let site: HostileSite;
let fixtures: FixtureSite;
let orgA: Tenant;
let orgB: Tenant;
const outerTmp = process.env.TMPDIR;
let scratch: string;

beforeAll(async () => {
  // The in-process worker's browsers make their temporary directories here: "nothing left" is exact.
  scratch = mkdtempSync(join(tmpdir(), 'hostile-pages-'));
  process.env.TMPDIR = scratch;
  [stack, site, fixtures] = await Promise.all([
    startStack({
      BROWSER_CONCURRENCY: '2',
      // axe's budget is twice this; the shared 2-core test machine can be very loaded.
      SCAN_FETCH_TIMEOUT_MS: '30000',
      BROWSER_MEMORY_LIMIT_MB: String(MEMORY_LIMIT_MB),
      BROWSER_WALL_CLOCK_LIMIT_SECONDS: String(WALL_CLOCK_SECONDS),
    }),
    startHostileSite(),
    startFixtureSite(),
  ]);
  orgA = await createTenant(stack.db.prisma, stack.baseUrl);
  orgB = await createTenant(stack.db.prisma, stack.baseUrl);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await site?.close();
  await fixtures?.close();
  if (outerTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outerTmp;
  rmSync(scratch, { recursive: true, force: true });
});

async function startScan(tenant: Tenant, url: string, scanners: string[]): Promise<string> {
  const started = await call('POST', `${tenant.audit}/scans/run`, { key: tenant.writeKey, body: { url, scanners } });
  expect(started.status).toBe(202);
  return started.body.data.id;
}

async function finished(tenant: Tenant, id: string, deadlineMs: number) {
  const done = await eventually(
    () => call('GET', `${tenant.audit}/scans/${id}`, { key: tenant.readKey }),
    (r) => ['completed', 'failed'].includes(r.body?.data?.status),
    deadlineMs,
  );
  // Where it stood, in the failure message, if it never ended.
  if (!['completed', 'failed'].includes(done.body.data.status)) throw new Error(`scan ${id} not finished after ${deadlineMs / 1000} s: ${JSON.stringify(done.body.data)}`);
  return done.body.data;
}

interface Case {
  path: HostilePath;
  scanners: string[];
  /** What the hostile page's scan must show beyond the common checks. */
  expect?: (run: any) => void;
}

const CASES: Case[] = [
  { path: '/axe-tamper', scanners: ['accessibility'] },
  { path: '/download', scanners: ['accessibility', 'performance'] },
  { path: '/webrtc', scanners: ['accessibility', 'performance'] },
  {
    path: '/memory',
    scanners: ['accessibility'],
    expect: (run) => {
      expect(run.status).toBe('failed');
      expect(run.scanner_status.accessibility).toEqual({ status: 'failed', error: expect.stringContaining(`went over its memory limit of ${MEMORY_LIMIT_MB} MB`) });
    },
  },
  { path: '/deep', scanners: ['security', 'seo', 'accessibility'] },
  { path: '/x-robots-spaces', scanners: ['seo'] },
  { path: '/many-headers', scanners: ['security', 'seo'] },
  { path: '/huge-header', scanners: ['security', 'seo', 'accessibility'] },
  { path: '/redirect-loop', scanners: ['security', 'seo', 'accessibility'] },
  { path: '/redirect-chain', scanners: ['seo', 'accessibility'] },
];

describe.each(CASES)('hostile page $path', ({ path, scanners, expect: extra }) => {
  test('hurts nothing but its own scan', async () => {
    site.datagrams.length = 0;
    const started = Date.now();
    // Org B's ordinary scan, started at the same moment, must not be held hostage: with a browser
    // scanner too when the hostile scan has one (they share the browser queue).
    const otherScanners = scanners.some((s) => BROWSER_SCANNERS.includes(s)) ? ['security', 'accessibility'] : ['security'];
    const [hostileId, otherId] = await Promise.all([startScan(orgA, site.url(path), scanners), startScan(orgB, fixtures.cleanUrl, otherScanners)]);
    const deadline = scanDeadlineMs(scanners);
    const [run, other] = await Promise.all([finished(orgA, hostileId, deadline), finished(orgB, otherId, deadline)]);
    const elapsed = Date.now() - started;
    console.log(`${path}: ${run.status} in ${(elapsed / 1000).toFixed(1)} s`, JSON.stringify(run.scanner_status));

    expect(['completed', 'failed']).toContain(run.status);
    expect(elapsed).toBeLessThan(deadline);
    expect(other.status).toBe('completed');
    expect(other.scanner_status).toEqual(Object.fromEntries(otherScanners.map((s) => [s, { status: 'done' }])));
    extra?.(run);

    // The API and the worker still answer (a scan through the worker of a plain page above; readiness here).
    const ready = await call('GET', `${stack.baseUrl}/readyz`);
    expect(ready.status).toBe(200);

    expect(site.datagrams).toEqual([]);
    expect(await strayDownloads(site.token, scratch, outerTmp)).toEqual([]);
    expect(readdirSync(scratch).filter((name) => name.startsWith('sitewarden-chromium-'))).toEqual([]);

    const list = await call('GET', `${orgA.audit}/findings?limit=200`, { key: orgA.readKey });
    expect(list.status).toBe(200);
    const mine = list.body.data.filter((f: any) => f.last_seen_scan_id === hostileId || f.first_seen_scan_id === hostileId);
    expect(mine.length).toBeLessThanOrEqual(MAX_FINDINGS_PER_SCAN);
    for (const finding of mine) {
      expect(Buffer.byteLength(JSON.stringify(finding))).toBeLessThanOrEqual(MAX_FINDING_JSON_BYTES);
      const axeRule = /^accessibility\.axe\.(.+)$/.exec(finding.check_id)?.[1];
      if (axeRule !== undefined) expect(AXE_RULES).toContain(axeRule);
    }
  }, scanDeadlineMs(scanners) + 30_000);
});

test('a scan of the instance’s own API or Temporal port is refused, though 127.0.0.1 is allowlisted', async () => {
  for (const url of [`${stack.baseUrl}/readyz`, `http://${stack.temporal.address}/`]) {
    const res = await call('POST', `${orgA.audit}/scans/run`, { key: orgA.writeKey, body: { url, scanners: ['seo'] } });
    expect(res.status).toBe(422);
    expect(res.text).toContain("one of this instance's own services");
  }
});
