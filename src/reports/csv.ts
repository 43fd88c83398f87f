import { stringify } from 'csv-stringify/sync';
import { fixFor, pageUrlsOf } from './catalogue.ts';
import { movedByLines, type Finding } from './model.ts';
import type { SecurityGrade } from '../domain/security-grade.ts';

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
  // The report's security grade (the latest scan's, HTTP Observatory method), repeated on every row:
  // a CSV has one table, and a spreadsheet filter keeps it beside each finding.
  'security_grade',
  'security_grade_moved_by',
] as const;

/**
 * Spreadsheets run a cell that starts like a formula (OWASP "CSV injection"): `=`, `+`, `-`, `@`,
 * tab or CR. A reader set to another separator (`;` in many European locales, tab) or one that
 * splits lines starts a new cell after each `,`, `;`, tab, CR or LF, so a trigger right after one
 * of them counts as a start too: `a;=cmd|…` is two cells there, the second a formula.
 */
const FORMULA_START = /(^|[,;\t\r\n])(?=[=+\-@\t\r])/g;

/** A quote in front of every such start makes a spreadsheet show the text instead of evaluating it. */
export function neutraliseFormula(cell: string): string {
  return cell.replace(FORMULA_START, "$1'");
}

/**
 * RFC 4180 by csv-stringify: a header row, CRLF between records, and every field quoted (quotes
 * doubled), so a line break inside a field, CRLF or a bare LF, never ends a record in any reader,
 * whatever it guesses. Every text cell is neutralised against formulas.
 */
export async function* csvReport(findings: AsyncIterable<Finding>, grade: SecurityGrade | null = null): AsyncGenerator<string> {
  const gradeCell = grade ? `${grade.grade} (${grade.score})` : '';
  const movedCell = grade ? movedByLines(grade).join('\n') : '';
  const options = { record_delimiter: 'windows' as const, quoted: true, quoted_empty: true };
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
      // Indented: every structural separator is followed by a line break and a space, so a value
      // (a negative number) never starts right after one and neutralising keeps it valid JSON.
      evidence: JSON.stringify(f.evidence, null, 1),
      impact_score: f.impact_score,
      effort_score: f.effort_score,
      risk_score: f.risk_score,
      confidence: f.confidence,
      first_seen_scan_id: f.first_seen_scan_id ?? '',
      last_seen_scan_id: f.last_seen_scan_id ?? '',
      inserted_at: f.inserted_at.toISOString(),
      updated_at: f.updated_at.toISOString(),
      security_grade: gradeCell,
      security_grade_moved_by: movedCell,
    };
    yield stringify([COLUMNS.map((column) => (typeof row[column] === 'string' ? neutraliseFormula(row[column]) : String(row[column])))], options);
  }
}
