import { FINDING_SORT_FIELDS } from '../../src/domain/finding-order.ts';
import { call } from '../support/http.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

// GET findings?sort=…: the whole list is ordered before it is paged, so every page of a sorted
// view continues the one before (the dashboard's column sort relies on it).

let stack: Stack;
let t: Tenant;

const SEVERITY_RANK = { critical: 0, high: 1, medium: 2, low: 3 } as const;
const STATUS_ORDER = ['new', 'triaged', 'in_progress', 'ready_verify', 'resolved', 'dismissed'];
const DOMAIN_ORDER = ['security', 'performance', 'accessibility', 'seo'];

beforeAll(async () => {
  stack = await startStack({}, { worker: false });
  t = await createTenant(stack.db.prisma, stack.baseUrl);
  const severities = ['low', 'critical', 'medium', 'high'] as const;
  const domains = ['seo', 'security', 'performance', 'accessibility'] as const;
  for (let i = 0; i < 12; i++) {
    await stack.db.prisma.finding.create({
      data: {
        org_id: t.orgId,
        project_id: t.projectId,
        domain: domains[i % 4]!,
        check_id: `seo.case_${i}`,
        title: `Finding ${String.fromCharCode(97 + ((i * 5) % 12))}`,
        severity: severities[(i * 3) % 4]!,
        status: STATUS_ORDER[(i * 7) % 6] as 'new',
        priority_score: (i * 37) % 100,
      },
    });
  }
}, 60_000);
afterAll(() => stack?.close());

async function all(sort: string): Promise<any[]> {
  // Five pages of 3 (the last empty): what a pager walks through.
  const rows: any[] = [];
  for (let offset = 0; offset < 15; offset += 3) {
    const res = await call('GET', `${t.audit}/findings?sort=${encodeURIComponent(sort)}&limit=3&offset=${offset}`, { key: t.readKey });
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(12);
    rows.push(...res.body.data);
  }
  expect(new Set(rows.map((r) => r.id)).size).toBe(12); // no row repeated or skipped between pages
  return rows;
}

const key: Record<(typeof FINDING_SORT_FIELDS)[number], (f: any) => number | string> = {
  priority_score: (f) => f.priority_score,
  severity: (f) => -SEVERITY_RANK[f.severity as keyof typeof SEVERITY_RANK], // higher = more severe
  status: (f) => STATUS_ORDER.indexOf(f.status),
  domain: (f) => DOMAIN_ORDER.indexOf(f.domain),
  title: (f) => f.title,
  updated_at: (f) => f.updated_at,
};

it.each(FINDING_SORT_FIELDS.flatMap((f) => [f, `-${f}`]))('orders the whole list by %s across pages', async (sort) => {
  const field = sort.replace(/^-/, '') as keyof typeof key;
  const values = (await all(sort)).map(key[field]);
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  expect(values).toEqual(sort.startsWith('-') ? sorted.reverse() : sorted);
});

it('defaults to Krafter order (priority, highest first) and puts critical first with -severity', async () => {
  const plain = await call('GET', `${t.audit}/findings?limit=12`, { key: t.readKey });
  const scores = plain.body.data.map((f: any) => f.priority_score);
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  const bySeverity = await call('GET', `${t.audit}/findings?limit=12&sort=-severity`, { key: t.readKey });
  expect(bySeverity.body.data[0].severity).toBe('critical');
  expect(bySeverity.body.data.at(-1).severity).toBe('low');
});

it('refuses an order it does not offer with 422 invalid_params naming sort', async () => {
  for (const sort of ['evidence', '--title', 'title;drop', '']) {
    const res = await call('GET', `${t.audit}/findings?sort=${encodeURIComponent(sort)}`, { key: t.readKey });
    expect([sort, res.status, res.body.error.code, Object.keys(res.body.error.details ?? {})]).toEqual([sort, 422, 'invalid_params', ['sort']]);
  }
});
