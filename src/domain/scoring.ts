import { checkOf } from '../checks/registry.ts';
import type { FindingDomain, Severity } from '../generated/prisma/enums.ts';

/**
 * Deterministic scores, 0..100 each, from what a finding is (severity, domain, check) and how
 * much of it there is (evidence counts). The formulas are documented in docs/scoring.md.
 */
export interface ScoreInput {
  domain: FindingDomain;
  severity: Severity;
  checkId: string;
  confidence: number;
  evidence: Record<string, unknown>;
}

export interface Scores {
  impact: number;
  effort: number;
  risk: number;
  priority: number;
}

const SEVERITY_IMPACT: Record<Severity, number> = { critical: 90, high: 70, medium: 45, low: 20 };
const DOMAIN_IMPACT_BONUS: Record<FindingDomain, number> = { security: 10, accessibility: 5, performance: 5, seo: 0 };

/** How likely the defect is to cause harm, by domain: an open security hole outranks a slow page. */
const RISK: Record<FindingDomain, Record<Severity, number>> = {
  security: { critical: 95, high: 80, medium: 55, low: 30 },
  accessibility: { critical: 70, high: 60, medium: 40, low: 20 },
  seo: { critical: 65, high: 55, medium: 35, low: 15 },
  performance: { critical: 60, high: 50, medium: 35, low: 20 },
};

/**
 * Typical work to fix: the check module's own `effort` (src/checks, per-item ids take their
 * module's), else, for an id no module makes (findings of a removed check), the domain's.
 */
const DOMAIN_EFFORT: Record<FindingDomain, number> = { security: 15, seo: 15, accessibility: 30, performance: 60 };

export function baseEffort(checkId: string, domain: FindingDomain): number {
  return checkOf(checkId)?.effort ?? DOMAIN_EFFORT[domain];
}

const WEIGHTS = { impact: 0.45, risk: 0.35, ease: 0.2 };

const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));

/** Many affected items (nodes, images, cookies) make a defect weigh more, with diminishing returns. */
function itemCount(evidence: Record<string, unknown>): number {
  for (const key of ['nodeCount', 'count']) {
    const value = evidence[key];
    if (typeof value === 'number' && value > 0) return value;
  }
  return 1;
}

export function scoreFinding(input: ScoreInput): Scores {
  const spread = Math.min(10, Math.log2(itemCount(input.evidence)) * 3);
  const impact = clamp(SEVERITY_IMPACT[input.severity] + DOMAIN_IMPACT_BONUS[input.domain] + spread);
  const risk = clamp(RISK[input.domain][input.severity] * Math.max(0, Math.min(1, input.confidence)));
  const effort = clamp(baseEffort(input.checkId, input.domain) + spread);
  const priority = clamp(WEIGHTS.impact * impact + WEIGHTS.risk * risk + WEIGHTS.ease * (100 - effort));
  return { impact, effort, risk, priority };
}

/** Each open finding takes a share of what health is left: 100·e^(−Σ weight / 50). */
const HEALTH_WEIGHT: Record<Severity, number> = { critical: 15, high: 8, medium: 3, low: 1 };

export function healthScore(severities: readonly Severity[]): number {
  const deduction = severities.reduce((sum, s) => sum + HEALTH_WEIGHT[s], 0);
  return clamp(100 * Math.exp(-deduction / 50));
}
