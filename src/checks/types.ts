import type { FindingDomain, Severity } from '../generated/prisma/enums.ts';
import { boundEvidence, clip, MAX_DETAIL_CHARS, MAX_FIX_STEP_CHARS, MAX_FIX_STEPS } from './bounds.ts';

export type { FindingDomain, Severity };

/**
 * One check = one module: metadata and a pure function from gathered artifacts to detections,
 * the way Lighthouse audits are written. Gathering (network, browser) happens elsewhere.
 */
export interface Check<Artifacts> {
  /** Stable id, also a key of policy `severity_rules` (e.g. "security.csp_missing"). */
  id: string;
  domain: FindingDomain;
  /** The finding's title: stable, the upsert key with org, project and domain. No values in it. */
  title: string;
  /** What the check looks for and why it matters. */
  description: string;
  severity: Severity;
  /**
   * Typical work to fix what the check finds, 0..100 (a header line: 15; a CSP or a slow page:
   * 45–60). The scoring's effort and ease come from it (docs/scoring.md), for per-item ids too.
   */
  effort: number;
  /** The verification check key this check answers to (e.g. "security_header_csp"). */
  verificationKey: string;
  /** How to fix it, shown until an AI recommendation replaces it. */
  fix: { summary: string; steps: string[] };
  evaluate(artifacts: Artifacts): Detection[];
}

/**
 * What a check found. Checks that report many items of one kind (axe rules, Lighthouse audits)
 * give each its own `checkId`/`title`/`severity`; the rest use the check's.
 */
export interface Detection {
  /** Facts of this page: counts, values, URLs. Goes to `description`. */
  detail: string;
  evidence: Record<string, unknown>;
  confidence?: number;
  checkId?: string;
  title?: string;
  severity?: Severity;
  fix?: { summary: string; steps: string[] };
}

/** A detection with its check's metadata filled in: what the findings store receives. */
export interface DetectedFinding {
  checkId: string;
  /** The id of the check module that found it; differs from checkId for per-item checks (axe rules). */
  groupId: string;
  domain: FindingDomain;
  title: string;
  description: string;
  severity: Severity;
  confidence: number;
  evidence: Record<string, unknown>;
  fix: { summary: string; steps: string[] };
  verificationKey: string;
}

/**
 * Runs one check. Details, evidence and fixes quote the page (header values, markup, selectors):
 * they are cut to the bounds of bounds.ts here, once for every check, whatever the page holds.
 */
export function runCheck<A>(check: Check<A>, artifacts: A): DetectedFinding[] {
  return check.evaluate(artifacts).map((d) => ({
    checkId: d.checkId ?? check.id,
    groupId: check.id,
    domain: check.domain,
    title: clip(d.title ?? check.title, 300),
    description: clip(d.detail, MAX_DETAIL_CHARS),
    severity: d.severity ?? check.severity,
    confidence: d.confidence ?? 1,
    evidence: boundEvidence(d.evidence),
    fix: d.fix ? boundFix(d.fix) : check.fix,
    verificationKey: check.verificationKey,
  }));
}

function boundFix(fix: { summary: string; steps: string[] }): { summary: string; steps: string[] } {
  return { summary: clip(fix.summary, MAX_FIX_STEP_CHARS), steps: fix.steps.slice(0, MAX_FIX_STEPS).map((step) => clip(step, MAX_FIX_STEP_CHARS)) };
}

export function runChecks<A>(checks: readonly Check<A>[], artifacts: A): DetectedFinding[] {
  return checks.flatMap((check) => runCheck(check, artifacts));
}
