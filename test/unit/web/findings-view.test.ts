import { apiQuery, pageInfo, PAGE_SIZE, viewFromQuery, viewToQuery } from '../../../web/src/lib/findings.ts';

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

  it('sends filters, the order and the page to the API: the whole list is sorted before paging', () => {
    const view = viewFromQuery(new URLSearchParams('severity=critical&sort=title&dir=asc&offset=50'));
    expect(apiQuery(view)).toEqual({ severity: 'critical', sort: 'title', limit: PAGE_SIZE, offset: 50 });
    // Descending is the API's leading "-"; the default view is Krafter's order.
    expect(apiQuery(viewFromQuery(new URLSearchParams('sort=severity')))).toEqual({ sort: '-severity', limit: PAGE_SIZE, offset: 0 });
    expect(apiQuery(viewFromQuery(new URLSearchParams('sort=updated&dir=asc')))).toEqual({ sort: 'updated_at', limit: PAGE_SIZE, offset: 0 });
    expect(apiQuery(viewFromQuery(new URLSearchParams('')))).toEqual({ sort: '-priority_score', limit: PAGE_SIZE, offset: 0 });
  });

  it('pages: first, middle, last and empty', () => {
    expect(pageInfo(0, 50, 120)).toEqual({ from: 1, to: 50, total: 120, prevOffset: null, nextOffset: 50 });
    expect(pageInfo(50, 50, 120)).toEqual({ from: 51, to: 100, total: 120, prevOffset: 0, nextOffset: 100 });
    expect(pageInfo(100, 20, 120)).toEqual({ from: 101, to: 120, total: 120, prevOffset: 50, nextOffset: null });
    expect(pageInfo(0, 0, 0)).toEqual({ from: 0, to: 0, total: 0, prevOffset: null, nextOffset: null });
  });
});
