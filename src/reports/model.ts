import type { Finding } from '../generated/prisma/client.ts';
import type { FindingDomain, ReportFormat, Severity } from '../generated/prisma/enums.ts';
import { movedBy, parseStoredGrade, type GradedTest, type SecurityGrade } from '../domain/security-grade.ts';

export type { Finding, FindingDomain, ReportFormat, Severity };

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low'];
export const DOMAINS: readonly FindingDomain[] = ['security', 'performance', 'accessibility', 'seo'];

/** Reports hold at most this many findings: the highest priority first (PRODUCT.md §4). */
export const MAX_REPORT_FINDINGS = 10_000;

export const FORMATS: Record<ReportFormat, { extension: string; contentType: string }> = {
  json: { extension: 'json', contentType: 'application/json' },
  csv: { extension: 'csv', contentType: 'text/csv; charset=utf-8' },
  html: { extension: 'html', contentType: 'text/html; charset=utf-8' },
  pdf: { extension: 'pdf', contentType: 'application/pdf' },
  sarif: { extension: 'sarif', contentType: 'application/sarif+json' },
};

type ReportRef = { id: string; org_id: string; project_id: string; format: ReportFormat };

const folderOf = (r: ReportRef) => `audit/${r.org_id}/${r.project_id}`;

/** `<report_id>.<ext>`: the download's file name and the evidence's subject. */
export const artifactName = (r: ReportRef) => `${r.id}.${FORMATS[r.format].extension}`;
export const artifactKey = (r: ReportRef) => `${folderOf(r)}/${artifactName(r)}`;
/** The DSSE envelope, beside the artifact. */
export const evidenceKey = (r: ReportRef) => `${artifactKey(r)}.dsse.json`;
/** The HTML rendering share links show: the artifact itself for html, a companion otherwise. */
export const viewKey = (r: ReportRef) => (r.format === 'html' ? artifactKey(r) : `${folderOf(r)}/${r.id}.view.html`);

export interface ReportScanRun {
  id: string;
  url: string;
  status: string;
  finished_at: string | null;
}

/** The project's figures of PRODUCT.md §5, as `GET reports/summary` shows them (a type: it is stored as JSON). */
export type ReportMetrics = {
  open_findings: number;
  verification_pass_rate: number;
  regression_rate: number;
};

/** Everything a report says besides its findings, read in the same snapshot as they are. */
export interface ReportContext {
  report: ReportRef & { created_at: string };
  project: { id: string; name: string };
  generated_at: string;
  /** The burn-down window: the six days before the report's day, and that day. */
  period: { start: string; end: string };
  metrics: ReportMetrics;
  /** The newest completed scan: its health score and one-line summary head the report. */
  latest_scan: (ReportScanRun & { summary: Record<string, unknown> }) | null;
  /** The runs that last saw the findings in the report. */
  scan_runs: ReportScanRun[];
  findings: {
    /** In this report (at most MAX_REPORT_FINDINGS). */
    included: number;
    /** In the project. */
    total: number;
    by_severity: Record<Severity, number>;
    by_domain: Record<FindingDomain, number>;
  };
}

export const healthScoreOf = (context: ReportContext): number | null => {
  const score = context.latest_scan?.summary.health_score;
  return typeof score === 'number' ? score : null;
};

/** The latest scan's security grade (the HTTP Observatory's method), when its security scanner ran. */
export const securityGradeOf = (context: ReportContext): SecurityGrade | null => parseStoredGrade(context.latest_scan?.summary.security_grade) ?? null;

/** What every report format says about the grade: the grade, its score, and the results that moved it. */
export function securityGradeSummary(grade: SecurityGrade): { grade: string; score: number; method: string; moved_by: GradedTest[] } {
  return { grade: grade.grade, score: grade.score, method: grade.method, moved_by: movedBy(grade) };
}

/** One line per result that moved the score, e.g. "content-security-policy: csp-not-implemented (-25)". */
export const movedByLines = (grade: SecurityGrade): string[] =>
  movedBy(grade).map((t) => `${t.test}: ${t.result} (${t.modifier > 0 ? '+' : '-'}${Math.abs(t.modifier)})`);
