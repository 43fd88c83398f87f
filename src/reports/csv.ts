import { stringify } from 'csv-stringify/sync';
import { fixFor, pageUrlsOf } from './catalogue.ts';
import type { Finding } from './model.ts';

const COLUMNS = [
  'id',
  'severity',
  'status',
  'priority_score',
  'domain',
  'check_id',
  'title',
  'description',
  'urls',
  'recommended_fix',
  'evidence',
  'impact_score',
  'effort_score',
  'risk_score',
  'confidence',
  'first_seen_scan_id',
  'last_seen_scan_id',
  'inserted_at',
  'updated_at',
] as const;

/** Spreadsheets run a cell that starts like a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A quote in front makes a spreadsheet show the text instead of evaluating it. */
export function neutraliseFormula(cell: string): string {
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

/**
 * RFC 4180: CRLF between records, a header row, and fields with commas, quotes or line breaks
 * quoted (quotes doubled), by csv-stringify. Every text cell is neutralised against formulas.
 */
export async function* csvReport(findings: AsyncIterable<Finding>): AsyncGenerator<string> {
  const options = { record_delimiter: 'windows' as const };
  yield stringify([[...COLUMNS]], options);
  for await (const f of findings) {
    const fix = fixFor(f);
    const row: Record<(typeof COLUMNS)[number], string | number> = {
      id: f.id,
      severity: f.severity,
      status: f.status,
      priority_score: f.priority_score,
      domain: f.domain,
      check_id: f.check_id,
      title: f.title,
      description: f.description,
      urls: pageUrlsOf(f).join('\n'),
      recommended_fix: fix ? [fix.summary, ...fix.steps.map((step, i) => `${i + 1}. ${step}`)].join('\n') : '',
      evidence: JSON.stringify(f.evidence),
      impact_score: f.impact_score,
      effort_score: f.effort_score,
      risk_score: f.risk_score,
      confidence: f.confidence,
      first_seen_scan_id: f.first_seen_scan_id ?? '',
      last_seen_scan_id: f.last_seen_scan_id ?? '',
      inserted_at: f.inserted_at.toISOString(),
      updated_at: f.updated_at.toISOString(),
    };
    yield stringify([COLUMNS.map((column) => (typeof row[column] === 'string' ? neutraliseFormula(row[column]) : row[column]))], options);
  }
}
