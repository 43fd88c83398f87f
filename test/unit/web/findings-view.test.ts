import { apiQuery, pageInfo, PAGE_SIZE, sortFindings, viewFromQuery, viewToQuery, type SortableFinding } from '../../../web/src/lib/findings.ts';

const row = (id: string, over: Partial<SortableFinding>): SortableFinding => ({
  id,
  title: id,
  severity: 'low',
  status: 'new',
  domain: 'seo',
  priority_score: 0,
  updated_at: '2026-12-01T00:00:00.000Z',
  ...over,
});

describe('findings table state', () => {
  it('reads the hash query, dropping what the API would refuse', () => {
    const view = viewFromQuery(new URLSearchParams('severity=high&status=nope&domain=seo&offset=73&sort=title&dir=asc&scan_id=bad'));
    expect(view).toEqual({ severity: 'high', status: undefined, domain: 'seo', scan_id: undefined, offset: 50, sort: 'title', dir: 'asc' });
    expect(viewFromQuery(new URLSearchParams('offset=-5&sort=evil')).offset).toBe(0);
    expect(viewFromQuery(new URLSearchParams('offset=-5&sort=evil')).sort).toBe('priority');
  });

  it('round-trips through the hash, omitting defaults', () => {
    const view = viewFromQuery(new URLSearchParams('status=triaged&offset=100'));
    expect(viewToQuery(view)).toEqual({ severity: undefined, status: 'triaged', domain: undefined, scan_id: undefined, offset: '100', sort: undefined, dir: undefined });
  });

  it('sends filters and the page to the API, not the sort', () => {
    const view = viewFromQuery(new URLSearchParams('severity=critical&sort=title&offset=50'));
    expect(apiQuery(view)).toEqual({ severity: 'critical', limit: PAGE_SIZE, offset: 50 });
  });

  it('sorts by rank for severity and status, stably', () => {
    const rows = [row('a', { severity: 'low' }), row('b', { severity: 'critical' }), row('c', { severity: 'medium' }), row('d', { severity: 'critical' })];
    expect(sortFindings(rows, 'severity', 'desc').map((r) => r.id)).toEqual(['b', 'd', 'c', 'a']);
    expect(sortFindings(rows, 'severity', 'asc').map((r) => r.id)).toEqual(['a', 'c', 'b', 'd']);
    const statuses = [row('x', { status: 'dismissed' }), row('y', { status: 'new' }), row('z', { status: 'in_progress' })];
    expect(sortFindings(statuses, 'status', 'asc').map((r) => r.id)).toEqual(['y', 'z', 'x']);
    expect(sortFindings([row('B', {}), row('a', {})], 'title', 'asc').map((r) => r.id)).toEqual(['a', 'B']);
  });

  it('pages: first, middle, last and empty', () => {
    expect(pageInfo(0, 50, 120)).toEqual({ from: 1, to: 50, total: 120, prevOffset: null, nextOffset: 50 });
    expect(pageInfo(50, 50, 120)).toEqual({ from: 51, to: 100, total: 120, prevOffset: 0, nextOffset: 100 });
    expect(pageInfo(100, 20, 120)).toEqual({ from: 101, to: 120, total: 120, prevOffset: 50, nextOffset: null });
    expect(pageInfo(0, 0, 0)).toEqual({ from: 0, to: 0, total: 0, prevOffset: null, nextOffset: null });
  });
});
