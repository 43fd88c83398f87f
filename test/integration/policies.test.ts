import { randomUUID } from 'node:crypto';
import { MAX_RULE_KEY_CHARS, MAX_SEVERITY_RULES } from '../../src/domain/policy.ts';
import type { FindingDomain, FindingStatus, Severity, SeveritySource } from '../../src/generated/prisma/enums.ts';
import { call } from '../support/http.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

let stack: Stack;
let site: FixtureSite;

beforeAll(async () => {
  [stack, site] = await Promise.all([startStack(), startFixtureSite()]);
});
afterAll(async () => {
  await stack.close();
  await site.close();
});

const newTenant = () => createTenant(stack.db.prisma, stack.baseUrl);
const getPolicy = (t: Tenant, base = t.audit) => call('GET', `${base}/policies/current`, { key: t.readKey });
const putPolicy = (t: Tenant, body: unknown) => call('PUT', `${t.audit}/policies/current`, { key: t.writeKey, body });
const testPolicy = (t: Tenant, body: unknown, key = t.readKey) => call('POST', `${t.audit}/policies/test`, { key, body });
const policyRows = (t: Tenant) => stack.db.prisma.policy.findMany({ where: { org_id: t.orgId, project_id: t.projectId } });

const DEFAULT_CONFIG = {
  severity_rules: { security: 'critical', performance: 'high', accessibility: 'medium', seo: 'low' },
  sla_hours: { critical: 24, high: 72, medium: 168, low: 336 },
  alert_routing: { critical: ['slack', 'email'], high: ['slack'] },
};

describe('GET policies/current', () => {
  it("creates Krafter's default on the first read, then returns the same policy", async () => {
    const t = await newTenant();
    const first = await getPolicy(t);
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Default Audit Policy',
      org_id: t.orgId,
      project_id: t.projectId,
      config: DEFAULT_CONFIG,
      active: true,
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
    expect((await getPolicy(t)).body.data).toEqual(first.body.data);
    expect(await policyRows(t)).toHaveLength(1);
  });

  it('concurrent first reads, through two API processes, make one policy', async () => {
    const t = await newTenant();
    const otherApi = await stack.startAnotherApi();
    const otherBase = t.audit.replace(stack.baseUrl, otherApi);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => getPolicy(t, i % 2 ? otherBase : t.audit)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((a) => a.body.data.id)).size).toBe(1);
    expect(await policyRows(t)).toHaveLength(1);
  });

  it("404 for another org's project, where nothing is created", async () => {
    const [mine, theirs] = await Promise.all([newTenant(), newTenant()]);
    const res = await call('GET', `${theirs.audit}/policies/current`, { key: mine.writeKey });
    expect(res.status).toBe(404);
    expect(await policyRows(theirs)).toHaveLength(0);
  });
});

describe('PUT policies/current', () => {
  const config = {
    severity_rules: { security: 'high', 'security.csp_missing': 'critical' },
    nested: { deep: [1, { x: [true, false, null, 'ü'] }, [[[]]]], empty: {} },
    unicode: 'Zürich — 東京 — 🚀 — "quoted" \\ back\\slash\nnew line\ttab \u2028',
    numbers: { int: 42, negative: -7, float: 0.1, tiny: 1e-7, huge: 1.7976931348623157e308, max_safe: 9007199254740991, zero: 0, third: 1 / 3 },
    '': 'an empty key',
    '10': 'a numeric key',
    'key with spaces & ✓': [],
  };

  it('creates the policy when there is none and echoes name and config exactly', async () => {
    const t = await newTenant();
    const res = await putPolicy(t, { name: 'Strict Production Policy ✓', config });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ name: 'Strict Production Policy ✓', org_id: t.orgId, project_id: t.projectId, active: true });
    // Byte for byte, key order included.
    expect(JSON.stringify(res.body.data.config)).toBe(JSON.stringify(config));
    const read = await getPolicy(t);
    expect(read.body.data).toEqual({ ...res.body.data, config: expect.anything() });
    expect(read.body.data.config).toEqual(config);
    expect((await policyRows(t))[0]!.config).toEqual(config);
  });

  it('replaces name and config wholesale, keeping the id', async () => {
    const t = await newTenant();
    const created = (await getPolicy(t)).body.data;
    const replaced = await putPolicy(t, { name: 'Only SLAs', config: { sla_hours: { critical: 12 } } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.data).toMatchObject({ id: created.id, name: 'Only SLAs', config: { sla_hours: { critical: 12 } } });
    expect((await getPolicy(t)).body.data.config).toEqual({ sla_hours: { critical: 12 } });
    expect(Date.parse(replaced.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
  });

  it('concurrent first writes make one policy', async () => {
    const t = await newTenant();
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => putPolicy(t, { name: `policy ${i}`, config: { i } })));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    const rows = await policyRows(t);
    expect(rows).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.data.id))).toEqual(new Set([rows[0]!.id]));
  });

  it('422 naming the field for a config that is not a JSON object, or that PostgreSQL could not keep', async () => {
    const t = await newTenant();
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { deeper: deep };
    const cases: Array<[unknown, string]> = [
      [{ name: 'x', config: [] }, 'config'],
      [{ name: 'x', config: 'severity_rules' }, 'config'],
      [{ name: 'x', config: 42 }, 'config'],
      [{ name: 'x', config: null }, 'config'],
      [{ name: 'x' }, 'config'],
      [{ name: 'x', config: { a: 'nul \u0000 inside' } }, 'config'],
      [{ name: 'x', config: { ['nul \u0000 key']: 1 } }, 'config'],
      [{ name: 'x', config: deep }, 'config'],
      ['{"name":"x","config":{"a":"\\ud800"}}', 'config'],
      ['{"name":"x","config":{"a":1e400}}', 'config'],
      [{ config: {} }, 'name'],
      [{ name: '', config: {} }, 'name'],
      [{ name: '   ', config: {} }, 'name'],
      [{ name: 'x'.repeat(201), config: {} }, 'name'],
      [{ name: 'x', config: {}, active: false }, 'active'],
    ];
    for (const [body, field] of cases) {
      const res = await putPolicy(t, body);
      expect([JSON.stringify(body).slice(0, 60), res.status]).toEqual([JSON.stringify(body).slice(0, 60), 422]);
      expect(res.body.error.code).toBe('invalid_params');
      expect(Object.keys(res.body.error.details)).toEqual([field]);
    }
    expect((await putPolicy(t, '[]')).status).toBe(400);
    expect(await policyRows(t)).toHaveLength(0);
  });

  it('403 for a read key, 404 for another org', async () => {
    const [mine, theirs] = await Promise.all([newTenant(), newTenant()]);
    expect((await call('PUT', `${mine.audit}/policies/current`, { key: mine.readKey, body: { name: 'x', config: {} } })).status).toBe(403);
    expect((await call('PUT', `${theirs.audit}/policies/current`, { key: mine.writeKey, body: { name: 'x', config: {} } })).status).toBe(404);
    expect(await policyRows(mine)).toHaveLength(0);
    expect(await policyRows(theirs)).toHaveLength(0);
  });
});

describe('POST policies/test', () => {
  interface Seed {
    domain: FindingDomain;
    check_id: string;
    severity: Severity;
    severity_source?: SeveritySource;
    status?: FindingStatus;
    check_severity?: Severity;
    priority_score: number;
  }

  async function seed(t: Tenant, s: Seed) {
    return stack.db.prisma.finding.create({
      data: {
        org_id: t.orgId,
        project_id: t.projectId,
        domain: s.domain,
        check_id: s.check_id,
        title: `${s.check_id} ${randomUUID()}`,
        severity: s.severity,
        severity_source: s.severity_source ?? 'check',
        status: s.status ?? 'new',
        priority_score: s.priority_score,
        evidence: { check_severity: s.check_severity ?? s.severity },
      },
    });
  }

  /** Every row the simulation could touch, to show it writes nothing. */
  async function snapshot(t: Tenant) {
    const scope = { org_id: t.orgId, project_id: t.projectId };
    const [findings, events, policies, regressions] = await Promise.all([
      stack.db.prisma.finding.findMany({ where: scope, orderBy: { id: 'asc' } }),
      stack.db.prisma.findingEvent.findMany({ where: scope, orderBy: { id: 'asc' } }),
      stack.db.prisma.policy.findMany({ where: scope }),
      stack.db.prisma.regression.findMany({ where: scope }),
    ]);
    return { findings, events, policies, regressions };
  }

  it("applies the rules to the open findings, traces each change, and writes nothing", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const csp = await seed(t, { domain: 'security', check_id: 'security.csp_missing', severity: 'high', priority_score: 90 });
    const hsts = await seed(t, { domain: 'security', check_id: 'security.hsts_missing', severity: 'medium', priority_score: 80 });
    await seed(t, { domain: 'security', check_id: 'security.clickjacking', severity: 'low', severity_source: 'manual', check_severity: 'medium', priority_score: 70 });
    const title = await seed(t, { domain: 'seo', check_id: 'seo.title_missing', severity: 'critical', severity_source: 'policy', check_severity: 'medium', priority_score: 60 });
    const label = await seed(t, { domain: 'accessibility', check_id: 'accessibility.axe.label', severity: 'high', status: 'in_progress', priority_score: 50 });
    await seed(t, { domain: 'seo', check_id: 'seo.open_graph_missing', severity: 'low', priority_score: 40 });
    await seed(t, { domain: 'security', check_id: 'security.sri_missing', severity: 'medium', status: 'resolved', priority_score: 30 });
    await seed(t, { domain: 'security', check_id: 'security.cors_wildcard_credentials', severity: 'high', status: 'dismissed', priority_score: 20 });
    await seed(other, { domain: 'security', check_id: 'security.csp_missing', severity: 'high', priority_score: 99 });

    const config = {
      severity_rules: { security: 'critical', 'security.hsts_missing': 'low', 'accessibility.axe': 'medium', ux: 'high', seo: 'nonsense' },
      sla_hours: { critical: 1 },
    };
    const before = await snapshot(t);
    const res = await testPolicy(t, { config });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      simulated_findings: 6,
      escalated_to_critical: 1,
      config_preview: config,
      counts_before: { critical: 1, high: 2, medium: 1, low: 2 },
      severities: { critical: 1, high: 0, medium: 2, low: 3 },
      trace: [
        { finding_id: csp.id, title: csp.title, domain: 'security', check_id: 'security.csp_missing', from: 'high', to: 'critical', rule: 'severity_rules.security' },
        { finding_id: hsts.id, title: hsts.title, domain: 'security', check_id: 'security.hsts_missing', from: 'medium', to: 'low', rule: 'severity_rules.security.hsts_missing' },
        { finding_id: title.id, title: title.title, domain: 'seo', check_id: 'seo.title_missing', from: 'critical', to: 'medium', rule: null },
        { finding_id: label.id, title: label.title, domain: 'accessibility', check_id: 'accessibility.axe.label', from: 'high', to: 'medium', rule: 'severity_rules.accessibility.axe' },
      ],
      // No alert_routing in this config: no event reaches a channel (docs/notifications.md).
      alert_routing: { routes: [], unmatched_entries: [], unknown_keys: [] },
    });
    expect(await snapshot(t)).toEqual(before);
  });

  it("takes a read key; 422 for a config that is not an object; another org's project is a 404", async () => {
    const [t, theirs] = await Promise.all([newTenant(), newTenant()]);
    expect((await testPolicy(t, { config: {} }, t.writeKey)).status).toBe(200);
    for (const body of [{ config: ['security'] }, { config: 'x' }, {}, { config: {}, dry_run: true }]) {
      const res = await testPolicy(t, body);
      expect(res.status).toBe(422);
    }
    expect((await call('POST', `${theirs.audit}/policies/test`, { key: t.readKey, body: { config: {} } })).status).toBe(404);
  });

  it('422 for a severity_rules key longer than any check id or too many entries, on test and on replace; the bound itself passes', async () => {
    const t = await newTenant();
    const longKey = `accessibility.${'.'.repeat(80_000)}`;
    const many = Object.fromEntries(Array.from({ length: MAX_SEVERITY_RULES + 1 }, (_, i) => [`seo.rule_${i}`, 'high']));
    for (const severity_rules of [{ [longKey]: 'critical' }, many]) {
      for (const res of [await testPolicy(t, { config: { severity_rules } }), await call('PUT', `${t.audit}/policies/current`, { key: t.writeKey, body: { name: 'x', config: { severity_rules } } })]) {
        expect(res.status).toBe(422);
        expect(res.body.error.details).toEqual({ 'config.severity_rules': [expect.stringMatching(/at most/)] });
      }
    }
    const atBound = { [`accessibility.${'x'.repeat(MAX_RULE_KEY_CHARS - 14)}`]: 'critical' };
    expect((await testPolicy(t, { config: { severity_rules: atBound } })).status).toBe(200);
  });
});

describe('scans apply severity_rules', () => {
  async function scan(t: Tenant) {
    const started = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.defectsUrl, scanners: ['security', 'seo'] } });
    expect(started.status).toBe(202);
    await stack.temporal.client.workflow.getHandle(started.body.data.workflow_id).result();
    return started.body.data.id as string;
  }
  const findingsOf = async (t: Tenant) => (await call('GET', `${t.audit}/findings?limit=200`, { key: t.readKey })).body.data as any[];
  const byCheck = (findings: any[], checkId: string) => findings.find((f) => f.check_id === checkId);

  it('a scan rates findings by the policy; a manual override survives the next scan; the simulation foretells the scan', async () => {
    const t = await newTenant();
    const strict = { severity_rules: { security: 'critical', 'security.csp_missing': 'low', seo: 'medium' } };
    expect((await putPolicy(t, { name: 'Strict', config: strict })).status).toBe(200);
    await scan(t);

    const first = await findingsOf(t);
    expect(byCheck(first, 'security.csp_missing')).toMatchObject({ severity: 'low', severity_source: 'policy', evidence: { check_severity: 'high' } });
    for (const f of first.filter((f) => f.domain === 'security' && f.check_id !== 'security.csp_missing')) {
      expect([f.check_id, f.severity, f.severity_source]).toEqual([f.check_id, 'critical', 'policy']);
    }
    for (const f of first.filter((f) => f.domain === 'seo')) expect([f.check_id, f.severity, f.severity_source]).toEqual([f.check_id, 'medium', 'policy']);
    const clickjacking = byCheck(first, 'security.clickjacking');
    const detected = await stack.db.prisma.findingEvent.findFirstOrThrow({ where: { finding_id: clickjacking.id } });
    expect(detected).toMatchObject({ kind: 'detected', severity: 'critical' });

    const pinned = await call('PATCH', `${t.audit}/findings/${clickjacking.id}`, { key: t.writeKey, body: { severity: 'low' } });
    expect(pinned.body.data).toMatchObject({ severity: 'low', severity_source: 'manual' });

    const relaxed = { severity_rules: { security: 'high' } };
    expect((await putPolicy(t, { name: 'Relaxed', config: relaxed })).status).toBe(200);
    const beforeSecond = await findingsOf(t);
    const forecast = (await testPolicy(t, { config: relaxed })).body.data;
    const secondScan = await scan(t);

    const second = await findingsOf(t);
    expect(byCheck(second, 'security.clickjacking')).toMatchObject({ severity: 'low', severity_source: 'manual' });
    expect(byCheck(second, 'security.csp_missing')).toMatchObject({ severity: 'high', severity_source: 'policy' });
    // No rule for SEO any more: each finding goes back to its check's own severity.
    expect(byCheck(second, 'seo.title_too_short')).toMatchObject({ severity: 'low', severity_source: 'check' });
    expect(byCheck(second, 'seo.h1_missing')).toMatchObject({ severity: 'medium', severity_source: 'check' });

    // What the simulation said the scan would assign is what it assigned.
    const simulated = new Map(forecast.trace.map((c: any) => [c.finding_id, c.to]));
    for (const f of second) expect([f.check_id, simulated.get(f.id) ?? byCheck(beforeSecond, f.check_id).severity]).toEqual([f.check_id, f.severity]);
    expect(forecast.trace.length).toBeGreaterThan(5);

    const cspEvents = await stack.db.prisma.findingEvent.findMany({ where: { finding_id: byCheck(second, 'security.csp_missing').id }, orderBy: { created_at: 'asc' } });
    expect(cspEvents.map((e) => [e.kind, e.from_severity, e.severity, e.actor])).toEqual([
      ['detected', null, 'low', expect.stringMatching(/^scan:/)],
      ['severity_changed', 'low', 'high', `scan:${secondScan}`],
    ]);
  });

  it('without a stored policy, a scan keeps the checks\' severities', async () => {
    const t = await newTenant();
    await scan(t);
    const findings = await findingsOf(t);
    expect(byCheck(findings, 'security.csp_missing')).toMatchObject({ severity: 'high', severity_source: 'check' });
    expect(new Set(findings.map((f) => f.severity_source))).toEqual(new Set(['check']));
    expect(await policyRows(t)).toHaveLength(0);
  });
});
