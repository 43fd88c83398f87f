import { severityRank } from './severity.ts';

export interface TableFinding {
  severity: string;
  domain: string;
  title: string;
  check_id: string;
  status?: string;
  priority_score?: number;
}

const COLUMNS = ['severity', 'domain', 'title', 'check'] as const;

/**
 * The findings as a plain-text table, worst first. Cells are cut to `maxWidth` in all (titles
 * give way first) and stripped of control characters: titles and check ids come from scanned
 * pages' evidence in the end, and must not move a terminal's cursor.
 */
export function findingsTable(findings: readonly TableFinding[], maxWidth = 120): string {
  if (findings.length === 0) return 'No findings.';
  const sorted = [...findings].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (b.priority_score ?? 0) - (a.priority_score ?? 0));
  const rows = sorted.map((f) => [
    clean(f.severity) + (f.status === 'dismissed' ? ' (dismissed)' : ''),
    clean(f.domain),
    clean(f.title),
    clean(f.check_id),
  ]);
  const widths = COLUMNS.map((name, i) => Math.max(name.length, ...rows.map((r) => r[i]!.length)));
  const gap = 2;
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  // Shrink the title, then the check id, down to a floor, until the table fits.
  for (const [col, floor] of [[2, 20], [3, 16]] as const) {
    const over = total() - maxWidth;
    if (over > 0) widths[col] = Math.max(floor, widths[col]! - over);
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => fitCell(c, widths[i]!))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(COLUMNS), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return String(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function fitCell(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}
