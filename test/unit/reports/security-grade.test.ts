import { parse } from 'csv-parse/sync';
import { securityGrade } from '../../../src/domain/security-grade.ts';
import { observatoryResults } from '../../../src/checks/security/observatory-results.ts';
import { csvReport } from '../../../src/reports/csv.ts';
import { htmlReport } from '../../../src/reports/html.ts';
import { jsonReport } from '../../../src/reports/json.ts';
import { securityGradeOf, type ReportContext } from '../../../src/reports/model.ts';
import { sarifReport } from '../../../src/reports/sarif.ts';
import { page, probe } from '../../support/artifacts.ts';
import { collect, context, finding, stream } from './fixtures.ts';

// A page with HSTS, nosniff and a nonce CSP, but framable and without a referrer policy: B+ … A territory.
const grade = securityGrade(observatoryResults({
  page: page({
    url: 'https://example.com/',
    headers: {
      'strict-transport-security': 'max-age=63072000',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'self'; script-src 'nonce-abc'; object-src 'none'",
    },
  }),
  plainHttp: probe('http://example.com/', 301, '', {}, 'https://example.com/'),
}));
const findings = [finding()];

function withGrade(stored: unknown): ReportContext {
  const base = context(findings);
  return { ...base, latest_scan: { ...base.latest_scan!, summary: { ...base.latest_scan!.summary, security_grade: stored } } };
}

describe('the security grade in every report format', () => {
  test('the graded page: XFO −20 is the one move, so no bonus', () => {
    expect(grade).toMatchObject({ score: 80, grade: 'B+' });
  });

  test('JSON: the grade, its score and the results that moved it', async () => {
    const doc = JSON.parse(await collect(jsonReport(withGrade(grade), stream(findings))));
    expect(doc.summary.security_grade).toEqual({
      grade: 'B+', score: 80, method: 'http-observatory',
      moved_by: [{ test: 'x-frame-options', result: 'x-frame-options-not-implemented', modifier: -20, counted: true }],
    });
    expect(doc.summary.health_score).toBe(72);
  });

  test('HTML (and so PDF): beside the health score, with the moves listed', async () => {
    const html = await collect(htmlReport(withGrade(grade), (severity) => stream(findings.filter((f) => f.severity === severity))));
    expect(html).toContain('<b>B+</b><span>security grade · 80</span>');
    expect(html).toContain('<li>x-frame-options: x-frame-options-not-implemented (-20)</li>');
    expect(html.indexOf('health score')).toBeLessThan(html.indexOf('security grade'));
  });

  test('SARIF: in the run properties', async () => {
    const log = JSON.parse(await collect(sarifReport(withGrade(grade), stream(findings))));
    expect(log.runs[0].properties.security_grade).toMatchObject({ grade: 'B+', score: 80, moved_by: [{ test: 'x-frame-options', modifier: -20 }] });
  });

  test('CSV: two trailing columns on every row', async () => {
    const [row] = parse(await collect(csvReport(stream(findings), securityGradeOf(withGrade(grade)))), { columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({ security_grade: 'B+ (80)', security_grade_moved_by: 'x-frame-options: x-frame-options-not-implemented (-20)' });
  });

  test('no grade, or a stored one that does not parse, shows none', async () => {
    for (const stored of [undefined, { grade: 'Z', score: -1 }, 'A+']) {
      const ctx = withGrade(stored);
      expect(securityGradeOf(ctx)).toBeNull();
      expect(JSON.parse(await collect(jsonReport(ctx, stream(findings)))).summary.security_grade).toBeNull();
      expect(await collect(htmlReport(ctx, (severity) => stream(findings.filter((f) => f.severity === severity))))).not.toContain('security grade');
      expect(JSON.parse(await collect(sarifReport(ctx, stream(findings)))).runs[0].properties.security_grade).toBeUndefined();
    }
  });
});
