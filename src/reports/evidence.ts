import type { ReportScanRun } from './model.ts';

/**
 * The evidence beside every export: an in-toto v1 statement (https://in-toto.io/Statement/v1)
 * whose subject is the artifact (name and SHA-256) and whose predicate says what it was made
 * from, signed as a DSSE envelope by the instance key.
 */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
export const EXPORT_PREDICATE_TYPE = 'https://sitewarden.dev/attestations/report-export/v1';

export interface ExportStatement {
  _type: typeof STATEMENT_TYPE;
  subject: Array<{ name: string; digest: { sha256: string } }>;
  predicateType: typeof EXPORT_PREDICATE_TYPE;
  predicate: {
    report: { id: string; org_id: string; project_id: string; format: string; storage_key: string; media_type: string; size_bytes: number };
    scan_runs: ReportScanRun[];
    finding_count: number;
    exported_at: string;
    builder: { id: 'sitewarden'; version: string };
  };
}

export interface ExportFacts {
  name: string;
  sha256: string;
  report: ExportStatement['predicate']['report'];
  scanRuns: ReportScanRun[];
  findingCount: number;
  exportedAt: string;
}

const BUILDER_VERSION = '0.1.0';

export function exportStatement(facts: ExportFacts): ExportStatement {
  return {
    _type: STATEMENT_TYPE,
    subject: [{ name: facts.name, digest: { sha256: facts.sha256 } }],
    predicateType: EXPORT_PREDICATE_TYPE,
    predicate: {
      report: facts.report,
      scan_runs: facts.scanRuns,
      finding_count: facts.findingCount,
      exported_at: facts.exportedAt,
      builder: { id: 'sitewarden', version: BUILDER_VERSION },
    },
  };
}

export type SubjectCheck = { ok: true; statement: ExportStatement; subject: string } | { ok: false; reason: string };

/** The signed payload must be an in-toto statement with a subject of exactly this SHA-256. */
export function checkSubject(payload: Buffer, sha256: string): SubjectCheck {
  let statement: unknown;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'the signed payload is not JSON' };
  }
  const { _type, subject } = (statement ?? {}) as Partial<ExportStatement>;
  if (_type !== STATEMENT_TYPE || !Array.isArray(subject)) return { ok: false, reason: 'the signed payload is not an in-toto v1 statement' };
  const match = subject.find((s) => s?.digest?.sha256 === sha256);
  if (!match) {
    const expected = subject.map((s) => `${s?.name}: ${s?.digest?.sha256}`).join(', ');
    return { ok: false, reason: `the artifact's SHA-256 ${sha256} matches no subject (${expected})` };
  }
  return { ok: true, statement: statement as ExportStatement, subject: match.name };
}
