import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { FindingStatus, Severity } from '../../src/generated/prisma/enums.ts';
import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

let stack: Stack;
let t: Tenant;
let other: Tenant;
let actor: string;

beforeAll(async () => {
  stack = await startStack({}, { worker: false });
  t = await createTenant(stack.db.prisma, stack.baseUrl);
  other = await createTenant(stack.db.prisma, stack.baseUrl);
  const writeKey = await stack.db.prisma.apiKey.findFirstOrThrow({ where: { org_id: t.orgId, scopes: { has: 'audit:write' } } });
  actor = `api_key:${writeKey.id}`;
});
afterAll(() => stack.close());

/** A finding as a scan would have left it; each call makes a new one. */
async function seedFinding(tenant: Tenant, overrides: { status?: FindingStatus; severity?: Severity; owner_id?: string } = {}) {
  return stack.db.prisma.finding.create({
    data: {
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      domain: 'security',
      check_id: 'security.csp_missing',
      title: `Content-Security-Policy header missing ${randomUUID()}`,
      severity: 'high',
      ...overrides,
    },
  });
}

const patch = (id: string, body: unknown, tenant = t, key = tenant.writeKey) => call('PATCH', `${tenant.audit}/findings/${id}`, { key, body });
const bulk = (body: unknown, tenant = t) => call('POST', `${tenant.audit}/findings/bulk`, { key: tenant.writeKey, body });
const eventsOf = (findingId: string) => stack.db.prisma.findingEvent.findMany({ where: { finding_id: findingId }, orderBy: { created_at: 'asc' } });

/** Everything a change could touch, for "nothing was written" checks. */
async function snapshot(tenant: Tenant) {
  const scope = { org_id: tenant.orgId, project_id: tenant.projectId };
  const [findings, events] = await Promise.all([
    stack.db.prisma.finding.findMany({ where: scope, orderBy: { id: 'asc' } }),
    stack.db.prisma.findingEvent.findMany({ where: scope, orderBy: { id: 'asc' } }),
  ]);
  return { findings, events };
}

const STATUSES: FindingStatus[] = ['new', 'triaged', 'in_progress', 'ready_verify', 'resolved', 'dismissed'];

/**
 * The lifecycle by hand, written out: the main flow, a step back from in_progress and
 * ready_verify, new straight to in_progress, dismissed from any open status; nothing leaves
 * resolved or dismissed by hand.
 */
const ALLOWED: Record<FindingStatus, FindingStatus[]> = {
  new: ['triaged', 'in_progress', 'dismissed'],
  triaged: ['in_progress', 'dismissed'],
  in_progress: ['triaged', 'ready_verify', 'dismissed'],
  ready_verify: ['in_progress', 'resolved', 'dismissed'],
  resolved: [],
  dismissed: [],
};
const MOVES = STATUSES.flatMap((from) => STATUSES.filter((to) => to !== from).map((to) => [from, to] as const));

describe('PATCH findings/:id', () => {
  it.each(MOVES.filter(([from, to]) => ALLOWED[from].includes(to)))('moves %s → %s and records it', async (from, to) => {
    const finding = await seedFinding(t, { status: from });
    const res = await patch(finding.id, { status: to });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ id: finding.id, status: to, severity: 'high', severity_source: 'check' });
    const events = await eventsOf(finding.id);
    expect(events).toEqual([expect.objectContaining({ kind: 'status_changed', from_status: from, status: to, severity: 'high', actor })]);
  });

  it.each(MOVES.filter(([from, to]) => !ALLOWED[from].includes(to)))('refuses %s → %s with 409, changing nothing', async (from, to) => {
    const finding = await seedFinding(t, { status: from });
    const res = await patch(finding.id, { status: to, severity: 'low' });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({ code: 'conflict', message: expect.stringContaining(`${from} → ${to}`), details: { status: [`cannot move ${from} → ${to}`] } });
    expect(await stack.db.prisma.finding.findUniqueOrThrow({ where: { id: finding.id } })).toEqual(finding);
    expect(await eventsOf(finding.id)).toEqual([]);
  });

  it('the status it already has is no change: 200, nothing written', async () => {
    const finding = await seedFinding(t, { status: 'triaged' });
    const res = await patch(finding.id, { status: 'triaged' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: 'triaged', updated_at: finding.updated_at.toISOString() });
    expect(await eventsOf(finding.id)).toEqual([]);
  });

  it('overrides the severity: severity_source manual, a FindingEvent, the full finding back', async () => {
    const finding = await seedFinding(t);
    const res = await patch(finding.id, { severity: 'critical' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ severity: 'critical', severity_source: 'manual', status: 'new' });
    const { regressions: _, ...full } = (await call('GET', `${t.audit}/findings/${finding.id}`, { key: t.readKey })).body.data;
    expect(res.body.data).toEqual(full);
    expect(await eventsOf(finding.id)).toEqual([
      expect.objectContaining({ kind: 'severity_changed', from_severity: 'high', severity: 'critical', status: 'new', actor }),
    ]);

    // Giving the severity it already has pins it as a person's choice, without an event.
    const same = await seedFinding(t);
    expect((await patch(same.id, { severity: 'high' })).body.data).toMatchObject({ severity: 'high', severity_source: 'manual' });
    expect(await eventsOf(same.id)).toEqual([]);
  });

  it('status, severity and owner in one request: one event each', async () => {
    const finding = await seedFinding(t, { status: 'in_progress' });
    const owner = randomUUID();
    const res = await patch(finding.id, { status: 'ready_verify', severity: 'medium', owner_id: owner });
    expect(res.body.data).toMatchObject({ status: 'ready_verify', severity: 'medium', severity_source: 'manual', owner_id: owner });
    expect((await eventsOf(finding.id)).map((e) => e.kind).sort()).toEqual(['owner_changed', 'severity_changed', 'status_changed']);
  });

  it('sets and clears the owner; any well-formed UUID will do, as in Krafter', async () => {
    const finding = await seedFinding(t);
    const krafterOwner = '22222222-2222-2222-2222-222222222222';
    const set = await patch(finding.id, { owner_id: krafterOwner.toUpperCase() });
    expect(set.status).toBe(200);
    expect(set.body.data.owner_id).toBe(krafterOwner);
    expect((await patch(finding.id, { owner_id: krafterOwner })).status).toBe(200); // unchanged: no event
    const cleared = await patch(finding.id, { owner_id: null });
    expect(cleared.body.data.owner_id).toBeNull();
    expect((await eventsOf(finding.id)).map((e) => [e.kind, e.actor])).toEqual([
      ['owner_changed', actor],
      ['owner_changed', actor],
    ]);
  });

  it('422 for an empty or wrong body, naming the field', async () => {
    const finding = await seedFinding(t);
    const cases: Array<[unknown, string]> = [
      [{}, 'body'],
      [{ status: 'done' }, 'status'],
      [{ severity: 'urgent' }, 'severity'],
      [{ severity: null }, 'severity'],
      [{ owner_id: 'someone' }, 'owner_id'],
      [{ status: 'triaged', priority: 'high' }, 'priority'],
    ];
    for (const [body, field] of cases) {
      const res = await patch(finding.id, body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('invalid_params');
      expect(Object.keys(res.body.error.details)).toEqual([field]);
    }
    expect((await patch(finding.id, '[]')).status).toBe(400);
    expect(await eventsOf(finding.id)).toEqual([]);
  });

  it("404 for a missing, malformed or another org's finding, which stays untouched", async () => {
    const theirs = await seedFinding(other);
    for (const id of [randomUUID(), 'not-a-uuid', theirs.id]) {
      const res = await patch(id, { status: 'triaged' });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(await stack.db.prisma.finding.findUniqueOrThrow({ where: { id: theirs.id } })).toEqual(theirs);
  });

  it('403 for a read-only key', async () => {
    const finding = await seedFinding(t);
    expect((await patch(finding.id, { status: 'triaged' }, t, t.readKey)).status).toBe(403);
  });
});

describe('POST findings/bulk', () => {
  it('applies one change to every finding, one event per real change', async () => {
    const findings = await Promise.all([seedFinding(t), seedFinding(t), seedFinding(t, { status: 'triaged' })]);
    const owner = randomUUID();
    const res = await bulk({ ids: findings.map((f) => f.id), status: 'triaged', owner_id: owner });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      updated: 3,
      results: findings.map((f) => ({ id: f.id, status: 'triaged', severity: 'high', owner_id: owner })),
    });
    const events = await stack.db.prisma.findingEvent.findMany({ where: { finding_id: { in: findings.map((f) => f.id) } } });
    // Two status moves (the third was triaged already) and three owner changes.
    expect(events.map((e) => e.kind).sort()).toEqual(['owner_changed', 'owner_changed', 'owner_changed', 'status_changed', 'status_changed']);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set([actor]));

    const again = await bulk({ ids: findings.map((f) => f.id), status: 'triaged', owner_id: owner });
    expect(again.body.data.updated).toBe(0);
  });

  it('severity for many: each pinned as manual', async () => {
    const findings = await Promise.all([seedFinding(t), seedFinding(t, { severity: 'low' })]);
    const res = await bulk({ ids: findings.map((f) => f.id), severity: 'medium' });
    expect(res.body.data.results.map((r: any) => r.severity)).toEqual(['medium', 'medium']);
    const stored = await stack.db.prisma.finding.findMany({ where: { id: { in: findings.map((f) => f.id) } } });
    expect(stored.map((f) => f.severity_source)).toEqual(['manual', 'manual']);
  });

  it('all or nothing: one illegal move, one missing and one foreign id → 409 naming each, nothing written', async () => {
    const good = await Promise.all([seedFinding(t), seedFinding(t)]);
    const resolved = await seedFinding(t, { status: 'resolved' });
    const theirs = await seedFinding(other);
    const missing = randomUUID();
    const before = await snapshot(t);
    const theirsBefore = await snapshot(other);

    const res = await bulk({ ids: [good[0]!.id, resolved.id, missing, good[1]!.id, theirs.id], status: 'in_progress', severity: 'low' });
    expect(res.status).toBe(409);
    expect(res.body.error).toEqual({
      code: 'conflict',
      message: expect.stringContaining('3 of 5'),
      details: { [resolved.id]: ['cannot move resolved → in_progress'], [missing]: ['not found'], [theirs.id]: ['not found'] },
    });
    expect(await snapshot(t)).toEqual(before);
    expect(await snapshot(other)).toEqual(theirsBefore);
  });

  it('422 for too many, repeated, malformed or no ids, and for no change', async () => {
    const id = (await seedFinding(t)).id;
    const tooMany = Array.from({ length: 501 }, () => randomUUID());
    const cases: Array<[unknown, string[]]> = [
      [{ ids: tooMany, status: 'triaged' }, ['ids']],
      [{ ids: [], status: 'triaged' }, ['ids']],
      [{ ids: [id, randomUUID(), id], status: 'triaged' }, ['ids.2']],
      [{ ids: [id, 'nope'], status: 'triaged' }, ['ids.1']],
      [{ ids: [id] }, ['body']],
      [{ status: 'triaged' }, ['ids']],
      [{ ids: [id], status: 'triaged', title: 'x' }, ['title']],
    ];
    for (const [body, fields] of cases) {
      const res = await bulk(body);
      expect(res.status).toBe(422);
      expect(Object.keys(res.body.error.details)).toEqual(fields);
    }
    expect(await eventsOf(id)).toEqual([]);
  });

  it('500 findings in one call', async () => {
    const tenant = await createTenant(stack.db.prisma, stack.baseUrl);
    await stack.db.prisma.finding.createMany({
      data: Array.from({ length: 500 }, (_, i) => ({
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        domain: 'seo' as const,
        check_id: 'seo.title_missing',
        title: `finding ${i}`,
        severity: 'low' as const,
      })),
    });
    const ids = (await stack.db.prisma.finding.findMany({ where: { org_id: tenant.orgId }, select: { id: true } })).map((f) => f.id);
    const res = await bulk({ ids, status: 'triaged', severity: 'medium' }, tenant);
    expect(res.status).toBe(200);
    expect(res.body.data.updated).toBe(500);
    expect(await stack.db.prisma.finding.count({ where: { org_id: tenant.orgId, status: 'triaged', severity: 'medium', severity_source: 'manual' } })).toBe(500);
    expect(await stack.db.prisma.findingEvent.count({ where: { org_id: tenant.orgId } })).toBe(1000);
  });

  it('concurrent bulk calls queue on the row locks: never a mix of their moves', async () => {
    for (let round = 0; round < 5; round++) {
      const findings = await Promise.all(Array.from({ length: 40 }, () => seedFinding(t, { status: 'ready_verify' })));
      const ids = findings.map((f) => f.id);
      // Opposite orders: locks taken in request order would deadlock; in id order they queue.
      const [toResolved, toInProgress] = await Promise.all([
        bulk({ ids, status: 'resolved' }),
        bulk({ ids: [...ids].reverse(), status: 'in_progress' }),
      ]);
      // Whichever ran second found every finding moved out of ready_verify, and a move from
      // there to its own target is illegal (resolved → in_progress, in_progress → resolved).
      expect([toResolved.status, toInProgress.status].sort()).toEqual([200, 409]);
      const winner = toResolved.status === 200 ? 'resolved' : 'in_progress';
      const loser = toResolved.status === 200 ? toInProgress : toResolved;
      expect(Object.keys(loser.body.error.details).sort()).toEqual([...ids].sort());
      const statuses = await stack.db.prisma.finding.findMany({ where: { id: { in: ids } }, select: { status: true } });
      expect(new Set(statuses.map((f) => f.status))).toEqual(new Set([winner]));
      expect(await stack.db.prisma.findingEvent.count({ where: { finding_id: { in: ids } } })).toBe(40);
    }
  });

  it('runs again when PostgreSQL ends a deadlock with another writer by aborting it', async () => {
    const [a, b] = await Promise.all([seedFinding(t), seedFinding(t)]);
    const [lower, higher] = [a.id, b.id].sort();
    // Another multi-row writer (as a scan's upserts might) holds the higher id, then wants the lower.
    const other = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      await other.query("SET deadlock_timeout = '10s'"); // so the bulk call is the one PostgreSQL aborts
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM findings WHERE id = $1 FOR UPDATE', [higher]);
      const answer = bulk({ ids: [lower!, higher!], status: 'triaged' });
      await new Promise((resolve) => setTimeout(resolve, 300)); // the bulk call holds lower, waits for higher
      await other.query('SELECT 1 FROM findings WHERE id = $1 FOR UPDATE', [lower]);
      await other.query('COMMIT');
      const res = await answer;
      expect(res.status).toBe(200);
      expect(res.body.data.updated).toBe(2);
    } finally {
      await other.end();
    }
  });
});
