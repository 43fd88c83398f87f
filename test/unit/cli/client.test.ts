import { retryAfterMs } from '../../../src/cli/client/api-client.ts';
import { auditBase, resolveConnection, UsageError } from '../../../src/cli/client/connection.ts';
import { formatForFile } from '../../../src/cli/client/export.ts';
import { PlainReporter, slotChanges, type ScanSnapshot } from '../../../src/cli/client/progress.ts';
import { atOrAbove, gateFailures, scanVerdict } from '../../../src/cli/client/severity.ts';
import { findingsTable } from '../../../src/cli/client/table.ts';

const KEY = 'kr_live_' + 'a'.repeat(43);

describe('resolveConnection', () => {
  const env = { SITEWARDEN_API_URL: 'https://env.example.com', SITEWARDEN_API_KEY: KEY, SITEWARDEN_ORG: 'env-org', SITEWARDEN_PROJECT: 'env-project' };

  it('takes the environment, and flags win over it', () => {
    expect(resolveConnection({}, env)).toEqual({ apiUrl: 'https://env.example.com', key: KEY, org: 'env-org', project: 'env-project' });
    expect(resolveConnection({ api: 'http://flag.example.com:3000/', org: 'flag-org' }, env)).toEqual({
      apiUrl: 'http://flag.example.com:3000',
      key: KEY,
      org: 'flag-org',
      project: 'env-project',
    });
  });

  it('accepts the API root or a proxy prefix and builds the audit base from it', () => {
    const c = resolveConnection({ api: 'https://x.example.com/sw/api/v1/' }, env);
    expect(c.apiUrl).toBe('https://x.example.com/sw');
    expect(auditBase({ ...c, org: 'o 1', project: 'p' })).toBe('https://x.example.com/sw/api/v1/orgs/o%201/projects/p/audit');
  });

  it('names every missing setting with its flag and variable, never echoing the key', () => {
    const err = (() => {
      try {
        resolveConnection({ key: KEY }, {});
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toBe('missing --api (or SITEWARDEN_API_URL), --org (or SITEWARDEN_ORG), --project (or SITEWARDEN_PROJECT)');
    expect(() => resolveConnection({ key: KEY, org: 'o', project: 'p', api: 'ftp://x' }, {})).toThrow(/http\(s\)/);
    expect(() => resolveConnection({ key: KEY, org: 'o', project: 'p', api: 'https://u:secret@x.example.com' }, {})).toThrow(/must not carry credentials/);
    expect(() => resolveConnection({ key: '  ', org: 'o', project: 'p', api: 'https://x.example.com' }, {})).toThrow(/missing --key/);
  });
});

describe('the gate', () => {
  const f = (severity: string, status = 'new') => ({ severity, status });

  it('ranks severities: at or above the threshold', () => {
    expect(atOrAbove('critical', 'high')).toBe(true);
    expect(atOrAbove('high', 'high')).toBe(true);
    expect(atOrAbove('medium', 'high')).toBe(false);
    expect(atOrAbove('low', 'low')).toBe(true);
    expect(atOrAbove('info', 'low')).toBe(false);
  });

  it('counts no dismissed finding and nothing without a threshold', () => {
    const findings = [f('critical', 'dismissed'), f('high'), f('low')];
    expect(gateFailures(findings, 'high')).toEqual([f('high')]);
    expect(gateFailures(findings, 'critical')).toEqual([]);
    expect(gateFailures(findings, undefined)).toEqual([]);
  });

  const done = { status: 'completed', scanner_status: { security: { status: 'done' }, seo: { status: 'done' } } };

  it('exit codes: 0 nothing at or above, 1 a finding at or above, 2 a failed scan or scanner', () => {
    expect(scanVerdict(done, [f('medium')], 'high')).toEqual({ code: 0, reason: 'nothing at or above high' });
    expect(scanVerdict(done, [f('medium'), f('critical')], 'high')).toEqual({ code: 1, reason: '1 finding at or above high' });
    expect(scanVerdict(done, [f('critical')], undefined).code).toBe(0);
    expect(scanVerdict({ status: 'failed', failure_reason: 'every scanner failed' }, [], 'low')).toEqual({ code: 2, reason: 'the scan failed: every scanner failed' });
    const partial = { status: 'completed', scanner_status: { security: { status: 'failed', error: 'timeout' }, seo: { status: 'done' } } };
    expect(scanVerdict(partial, [], 'low')).toEqual({ code: 2, reason: 'scanner security failed (timeout)' });
  });
});

describe('findingsTable', () => {
  const rows = [
    { severity: 'low', domain: 'seo', title: 'Missing meta description', check_id: 'seo.meta_description', priority_score: 10 },
    { severity: 'critical', domain: 'security', title: 'CORS allows any origin with credentials', check_id: 'security.cors', priority_score: 90 },
    { severity: 'high', domain: 'security', title: 'No CSP\u001b[2J\nheader', check_id: 'security.csp_missing', status: 'dismissed' },
  ];

  it('lists worst first under a header, one line per finding, control characters removed', () => {
    const lines = findingsTable(rows).split('\n');
    expect(lines[0]).toMatch(/^severity\s+domain\s+title\s+check$/);
    expect(lines[1]).toMatch(/^-+ {2}-+ {2}-+ {2}-+$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/)[0])).toEqual(['critical', 'high (dismissed)', 'low']);
    expect(lines[3]).toContain('No CSP [2J header');
    expect(lines).toHaveLength(5);
    expect(findingsTable(rows).includes('\u001b')).toBe(false);
  });

  it('fits the width by cutting titles first', () => {
    const long = [{ severity: 'high', domain: 'accessibility', title: 'x'.repeat(300), check_id: 'accessibility.axe.color-contrast' }];
    const lines = findingsTable(long, 80).split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[2]).toContain('…');
    expect(lines[2]).toContain('accessibility.axe.color-contrast');
  });

  it('says so when there is nothing', () => {
    expect(findingsTable([])).toBe('No findings.');
  });
});

describe('progress', () => {
  const snap = (status: ScanSnapshot['status'], slots: Record<string, string>, analysis = 'pending'): ScanSnapshot => ({
    id: 's1',
    url: 'https://example.com/',
    status,
    scanner_status: Object.fromEntries(Object.entries(slots).map(([k, v]) => [k, v === 'failed' ? { status: v, error: 'boom\nline' } : { status: v }])),
    analysis: { status: analysis },
    summary: {},
    failure_reason: null,
    workflow_id: 'scan-s1',
  });

  it('slotChanges names each slot that moved, the AI stage last', () => {
    const a = snap('running', { security: 'pending', seo: 'pending' });
    expect(slotChanges(undefined, a)).toEqual([
      { slot: 'security', status: 'pending' },
      { slot: 'seo', status: 'pending' },
    ]);
    const b = snap('running', { security: 'running', seo: 'pending' });
    expect(slotChanges(a, b)).toEqual([{ slot: 'security', status: 'running' }]);
    const c = snap('completed', { security: 'done', seo: 'failed' }, 'skipped');
    expect(slotChanges(b, c)).toEqual([
      { slot: 'security', status: 'done' },
      { slot: 'seo', status: 'failed', error: 'boom\nline' },
      { slot: 'analysis', status: 'skipped' },
    ]);
    expect(slotChanges(c, c)).toEqual([]);
  });

  it('PlainReporter prints one line per change and per scan status', () => {
    const lines: string[] = [];
    const r = new PlainReporter((l) => lines.push(l));
    r.update(snap('queued', { security: 'pending' }));
    r.update(snap('running', { security: 'running' }));
    r.update(snap('running', { security: 'running' }));
    r.update(snap('completed', { security: 'failed' }, 'skipped'));
    expect(lines).toEqual([
      'scan s1 queued',
      '  security: pending',
      'scan s1 running',
      '  security: running',
      'scan s1 completed',
      '  security: failed (boom line)',
      '  analysis: skipped',
    ]);
  });
});

describe('helpers', () => {
  it('retry-after as seconds, as an HTTP date, or from the rate limiter body', () => {
    expect(retryAfterMs('3', undefined)).toBe(3_000);
    expect(retryAfterMs(new Date(10_000).toUTCString(), undefined, 4_000)).toBe(6_000);
    expect(retryAfterMs(null, '{"error":"Rate limit exceeded","retry_after":7}')).toBe(7_000);
    expect(retryAfterMs(null, 'nope')).toBeUndefined();
  });

  it('--output picks the format from the extension', () => {
    expect(formatForFile('out/report.SARIF')).toBe('sarif');
    expect(formatForFile('r.htm')).toBe('html');
    expect(formatForFile('r.json')).toBe('json');
    expect(() => formatForFile('report.txt')).toThrow(UsageError);
  });
});
