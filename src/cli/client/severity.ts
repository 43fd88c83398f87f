/** The CI gate: which findings fail a build, and the exit code of a finished scan. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const EXIT = { ok: 0, findings: 1, error: 2 } as const;

/** Rank: critical 0 … low 3; anything else (a newer server's level) ranks below low. */
export function severityRank(severity: string): number {
  const i = (SEVERITIES as readonly string[]).indexOf(severity);
  return i === -1 ? SEVERITIES.length : i;
}

export function atOrAbove(severity: string, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

/**
 * The findings that fail the gate. A dismissed finding is a risk someone accepted: it is listed,
 * but does not fail the build (the scan's own summary leaves it out of the health score too).
 */
export function gateFailures<F extends { severity: string; status: string }>(findings: readonly F[], threshold: Severity | undefined): F[] {
  if (!threshold) return [];
  return findings.filter((f) => f.status !== 'dismissed' && atOrAbove(f.severity, threshold));
}

export interface ScanVerdict {
  code: 0 | 1 | 2;
  reason: string;
}

/**
 * 2 when the scan did not complete, or a scanner asked for failed (the gate could not check
 * everything it was asked to: a build must not pass because the security scanner crashed);
 * 1 when a finding is at or above the threshold; else 0.
 */
export function scanVerdict(
  scan: { status: string; failure_reason?: string | null; scanner_status?: Record<string, { status: string; error?: string }> },
  findings: readonly { severity: string; status: string }[],
  threshold: Severity | undefined,
): ScanVerdict {
  if (scan.status !== 'completed') return { code: EXIT.error, reason: `the scan ${scan.status}${scan.failure_reason ? `: ${scan.failure_reason}` : ''}` };
  const failedSlots = Object.entries(scan.scanner_status ?? {}).filter(([, slot]) => slot.status === 'failed');
  if (failedSlots.length) {
    return { code: EXIT.error, reason: `scanner ${failedSlots.map(([name, slot]) => `${name} failed${slot.error ? ` (${slot.error})` : ''}`).join(', ')}` };
  }
  const failures = gateFailures(findings, threshold);
  if (failures.length) return { code: EXIT.findings, reason: `${failures.length} finding${failures.length === 1 ? '' : 's'} at or above ${threshold}` };
  return { code: EXIT.ok, reason: threshold ? `nothing at or above ${threshold}` : 'the scan completed' };
}
