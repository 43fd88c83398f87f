import { href, parseRoute } from '../../../web/src/lib/route.ts';

const ID = '0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d';

describe('dashboard hash routes', () => {
  it('reads each view, with and without the leading slash', () => {
    expect(parseRoute('')).toEqual({ name: 'overview' });
    expect(parseRoute('#/')).toEqual({ name: 'overview' });
    expect(parseRoute('#/scans')).toEqual({ name: 'scans' });
    expect(parseRoute('#scans/')).toEqual({ name: 'scans' });
    expect(parseRoute(`#/scans/${ID.toUpperCase()}`)).toEqual({ name: 'scan', id: ID });
    expect(parseRoute(`#/tasks/${ID}`)).toEqual({ name: 'task', id: ID });
    expect(parseRoute('#/policies')).toEqual({ name: 'policies' });
  });

  it('keeps the findings query', () => {
    const route = parseRoute('#/findings?severity=high&offset=50');
    expect(route.name).toBe('findings');
    expect(route.name === 'findings' && Object.fromEntries(route.query)).toEqual({ severity: 'high', offset: '50' });
  });

  it('answers not_found for unknown views, malformed ids and extra segments', () => {
    expect(parseRoute('#/nope')).toEqual({ name: 'not_found' });
    expect(parseRoute('#/findings/not-a-uuid')).toEqual({ name: 'not_found' });
    expect(parseRoute(`#/scans/${ID}/extra`)).toEqual({ name: 'not_found' });
    expect(parseRoute('#/policies/x')).toEqual({ name: 'not_found' });
  });

  it('builds links that drop empty values and round-trip through the parser', () => {
    const link = href('findings', { severity: 'high', status: undefined, domain: '' });
    expect(link).toBe('#/findings?severity=high');
    const back = parseRoute(link);
    expect(back.name === 'findings' && back.query.get('severity')).toBe('high');
  });
});
