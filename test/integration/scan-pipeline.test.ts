import { call } from '../support/http.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { scanToEnd } from '../support/scans.ts';

let stack: Stack;
let site: FixtureSite;
let t: Tenant;

beforeAll(async () => {
  [stack, site] = await Promise.all([startStack(), startFixtureSite()]);
  t = await createTenant(stack.db.prisma, stack.baseUrl);
});
afterAll(async () => {
  await stack.close();
  await site.close();
});

const LIGHT = ['security', 'seo', 'accessibility'];

const scan = (tenant: Tenant, url: string, scanners = LIGHT) => scanToEnd(tenant, url, scanners, { timeoutMs: 90_000 });

async function findings(tenant: Tenant, query = '') {
  const res = await call('GET', `${tenant.audit}/findings?limit=200${query}`, { key: tenant.readKey });
  expect(res.status).toBe(200);
  return res.body;
}

const SEEDED = {
  security: [
    'security.csp_missing',
    'security.clickjacking',
    'security.content_type_options',
    'security.referrer_policy_unsafe',
    'security.permissions_policy_missing',
    'security.session_cookie_without_httponly',
    'security.cookie_samesite',
    'security.sri_missing',
    'security.cors_wildcard_credentials',
    'security.version_disclosure',
  ],
  seo: [
    'seo.title_too_short',
    'seo.meta_description_missing',
    'seo.h1_missing',
    'seo.heading_levels_skipped',
    'seo.canonical_missing',
    'seo.open_graph_missing',
    'seo.image_alt_missing',
    'seo.html_lang_missing',
    'seo.viewport_missing',
    'seo.robots_txt_missing',
    'seo.sitemap_missing',
  ],
  accessibility: ['accessibility.axe.image-alt', 'accessibility.axe.label', 'accessibility.axe.button-name', 'accessibility.axe.html-has-lang', 'accessibility.axe.color-contrast'],
};

it('finds every seeded defect of a page, in Krafter shape and order', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const run = await scan(tenant, site.defectsUrl);
  expect(run.status).toBe('completed');
  expect(run.scanner_status).toEqual({ security: { status: 'done' }, seo: { status: 'done' }, accessibility: { status: 'done' } });
  expect(run.summary.health_score).toBeGreaterThanOrEqual(0);
  expect(run.summary.health_score).toBeLessThan(60);
  expect(run.finished_at).not.toBeNull();

  const list = await findings(tenant);
  expect(list.meta).toMatchObject({ total: list.data.length, next_cursor: null });
  const byDomain = (domain: string) => list.data.filter((f: any) => f.domain === domain).map((f: any) => f.check_id);
  for (const [domain, expected] of Object.entries(SEEDED)) {
    expect(byDomain(domain)).toEqual(expect.arrayContaining(expected));
  }
  expect(run.summary.counts.by_domain).toEqual({ security: byDomain('security').length, seo: byDomain('seo').length, accessibility: byDomain('accessibility').length });

  const scores = list.data.map((f: any) => f.priority_score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  const csp = list.data.find((f: any) => f.check_id === 'security.csp_missing');
  expect(csp).toMatchObject({
    org_id: tenant.orgId,
    project_id: tenant.projectId,
    status: 'new',
    severity: 'high',
    severity_source: 'check',
    confidence: 1,
    affected_assets: [{ type: 'url', value: site.defectsUrl }],
    recommended_fix: null,
    verification_key: 'security_header_csp',
    first_seen_scan_id: run.id,
    last_seen_scan_id: run.id,
  });
  expect(csp.priority.score).toBe(csp.priority_score);
  expect(csp.priority.score).toBeGreaterThan(list.data.find((f: any) => f.check_id === 'seo.open_graph_missing').priority_score);

  const detail = await call('GET', `${tenant.audit}/findings/${csp.id}`, { key: tenant.readKey });
  expect(detail.status).toBe(200);
  expect(detail.body.data).toMatchObject({ id: csp.id, regressions: [], evidence: expect.any(Object) });
});

it('finds nothing on the clean twin', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const run = await scan(tenant, site.cleanUrl);
  expect(run.status).toBe('completed');
  const list = await findings(tenant);
  expect(list.data.map((f: any) => `${f.check_id}: ${f.description}`)).toEqual([]);
  expect(run.summary.health_score).toBe(100);
});

it('a second scan updates the same findings, and a re-detected resolved finding regresses', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const first = await scan(tenant, site.defectsUrl, ['security', 'seo']);
  const before = await findings(tenant);
  const csp = before.data.find((f: any) => f.check_id === 'security.csp_missing');
  await stack.db.prisma.finding.update({ where: { id: csp.id }, data: { status: 'resolved' } });

  const second = await scan(tenant, site.defectsUrl, ['security', 'seo']);
  const after = await findings(tenant);
  expect(after.meta.total).toBe(before.meta.total);
  expect(after.data.map((f: any) => f.id).sort()).toEqual(before.data.map((f: any) => f.id).sort());
  for (const f of after.data) {
    expect(f.first_seen_scan_id).toBe(first.id);
    expect(f.last_seen_scan_id).toBe(second.id);
  }
  const regressed = await call('GET', `${tenant.audit}/findings/${csp.id}`, { key: tenant.readKey });
  expect(regressed.body.data.status).toBe('triaged');
  expect(regressed.body.data.regressions).toEqual([
    expect.objectContaining({ trigger: 'scan_detected', status: 'open', scan_run_id: second.id, closed_at: null }),
  ]);
  const events = await stack.db.prisma.findingEvent.findMany({ where: { finding_id: csp.id }, orderBy: { created_at: 'asc' } });
  expect(events.map((e) => [e.kind, e.status])).toEqual([
    ['detected', 'new'],
    ['redetected', 'triaged'],
  ]);
});

it('filters findings by severity, status and domain and pages by offset', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  await scan(tenant, site.defectsUrl, ['security', 'seo']);
  const all = await findings(tenant);
  const high = await findings(tenant, '&severity=high');
  expect(high.data.length).toBeGreaterThan(0);
  expect(high.data.every((f: any) => f.severity === 'high')).toBe(true);
  expect(high.meta.total).toBe(all.data.filter((f: any) => f.severity === 'high').length);
  const seo = await findings(tenant, '&domain=seo&status=new');
  expect(seo.data.every((f: any) => f.domain === 'seo' && f.status === 'new')).toBe(true);

  const page1 = await call('GET', `${tenant.audit}/findings?limit=3&offset=0`, { key: tenant.readKey });
  const page2 = await call('GET', `${tenant.audit}/findings?limit=3&offset=3`, { key: tenant.readKey });
  expect([...page1.body.data, ...page2.body.data].map((f: any) => f.id)).toEqual(all.data.slice(0, 6).map((f: any) => f.id));
  expect(page1.body.meta).toMatchObject({ total: all.meta.total, next_cursor: null });

  for (const bad of ['severity=urgent', 'domain=ux', 'limit=500', 'offset=-1', 'colour=red']) {
    const res = await call('GET', `${tenant.audit}/findings?${bad}`, { key: tenant.readKey });
    expect(res.status).toBe(422);
  }
});

it('fails a scan of a page that answers 404, with the reason in each slot', async () => {
  const run = await scan(t, site.missingUrl);
  expect(run.status).toBe('failed');
  for (const name of LIGHT) expect(run.scanner_status[name]).toEqual({ status: 'failed', error: 'the page answered HTTP 404' });
  expect(site.hits.filter((h) => h === 'defects/missing')).toHaveLength(1);
});

it('fails a scan of a page that is not HTML', async () => {
  const run = await scan(t, site.pdfUrl, ['security']);
  expect(run.status).toBe('failed');
  expect(run.scanner_status.security.error).toMatch(/not HTML/);
});

it('records which scanners a run was asked for, and refuses unknown ones', async () => {
  const run = await scan(t, site.cleanUrl, ['seo']);
  expect(Object.keys(run.scanner_status)).toEqual(['seo']);
  const bad = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.cleanUrl, scanners: ['seo', 'spelling'] } });
  expect(bad.status).toBe(422);
  expect(Object.keys(bad.body.error.details)).toEqual(['scanners.1']);
  const empty = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.cleanUrl, scanners: [] } });
  expect(empty.status).toBe(422);
});

it('runs all four scanners, Lighthouse included, and the clean page stays clean', async () => {
  const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
  const run = await scan(tenant, site.cleanUrl, ['performance', 'security', 'seo', 'accessibility']);
  expect(run.status).toBe('completed');
  expect(run.scanner_status).toEqual({
    performance: { status: 'done' },
    security: { status: 'done' },
    seo: { status: 'done' },
    accessibility: { status: 'done' },
  });
  const list = await findings(tenant);
  // What a lab run measures on the main thread scales with how busy the machine is (Lighthouse's
  // simulation multiplies the observed tasks by 4): on a loaded test machine the clean page, which
  // has no script, has read a TBT of 312 ms and a "forced reflow" insight. Those checks are judged
  // on fixed Lighthouse results in their unit tests; here every other domain must find nothing, and
  // a performance finding on the clean page may only be a mild one. TBT is the exception: it is the
  // main thread's observed tasks alone, and a fresh-clone CI run read it `high` on this page (a
  // browser file on the other Jest worker), so its severity here says how busy the machine was.
  const performance = list.data.filter((f: any) => f.domain === 'performance');
  expect(list.data.filter((f: any) => f.domain !== 'performance').map((f: any) => `${f.check_id}: ${f.description}`)).toEqual([]);
  for (const finding of performance.filter((f: any) => f.check_id !== 'performance.tbt')) {
    expect({ check: finding.check_id, severity: finding.severity }).toEqual({ check: finding.check_id, severity: expect.stringMatching(/^(low|medium)$/) });
  }
  expect(run.summary.domain_scores).toMatchObject({ security: 100, seo: 100, accessibility: 100 });
  if (performance.length === 0) expect(run.summary.domain_scores.performance).toBe(100);
}, 120_000);
