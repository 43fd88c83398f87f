import type { PerformanceArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';

export const lighthouseOpportunities: Check<PerformanceArtifacts> = {
  id: 'performance.lighthouse',
  domain: 'performance',
  title: 'Lighthouse performance audit failed',
  description:
    "A Lighthouse performance audit (insight or diagnostic) scored below 0.9 in the mobile run. Each one names a concrete cause of slowness; Lighthouse's estimated savings decide the severity.",
  severity: 'medium',
  effort: 40,
  verificationKey: 'lighthouse_audits',
  fix: {
    summary: "Follow the audit's guidance, starting with the largest estimated savings.",
    steps: ['Open the audit in a Lighthouse report of the page to see the resources it lists.', 'Fix them, then rescan.'],
  },
  evaluate({ url, opportunities }) {
    return opportunities.map((audit) => ({
      checkId: `performance.lighthouse.${audit.id}`,
      title: audit.title,
      severity: (audit.savingsMs ?? 0) >= 1000 ? 'medium' : 'low',
      detail:
        `Lighthouse audit "${audit.id}" scored ${audit.score} on ${url}` +
        (audit.displayValue ? ` (${audit.displayValue})` : '') +
        (audit.savingsMs ? `; estimated savings ${audit.savingsMs} ms` : '') +
        `. ${audit.description}`,
      evidence: { audit: audit.id, score: audit.score, displayValue: audit.displayValue ?? null, savingsMs: audit.savingsMs ?? null },
    }));
  },
};
