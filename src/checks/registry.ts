import { accessibilityChecks } from './accessibility/index.ts';
import { aiAccessibilityReview } from './accessibility/ai-review.ts';
import { performanceChecks } from './performance/index.ts';
import { securityChecks } from './security/index.ts';
import { seoChecks } from './seo/index.ts';
import type { Check, FindingDomain } from './types.ts';

/** Every check module, by its id: the scanners' and the AI accessibility review's. */
export const CHECKS: ReadonlyMap<string, Check<never>> = new Map(
  ([...securityChecks, ...seoChecks, ...accessibilityChecks, ...performanceChecks, aiAccessibilityReview] as Check<never>[]).map((check) => [check.id, check]),
);

/**
 * The check module behind a finding's check id: its own id, or for per-item ids
 * (`accessibility.axe.<rule>`, `performance.lighthouse.<audit>`, `accessibility.ai_review.<criterion>`)
 * the module whose id is the longest dotted prefix. Undefined for an id no module makes.
 */
export function checkOf(checkId: string): Check<never> | undefined {
  for (let end = checkId.length; end > 0; end = checkId.lastIndexOf('.', end - 1)) {
    const check = CHECKS.get(checkId.slice(0, end));
    if (check) return check;
  }
  return undefined;
}

/** Which domain's checks answer each verification key ("security_header_csp" → security, …). */
const DOMAIN_OF_KEY = new Map<string, FindingDomain>(
  [...securityChecks, ...seoChecks, ...accessibilityChecks, ...performanceChecks].map((check) => [check.verificationKey, check.domain]),
);

export function domainOfVerificationKey(key: string): FindingDomain | undefined {
  return DOMAIN_OF_KEY.get(key);
}

export const VERIFICATION_KEYS: readonly string[] = [...DOMAIN_OF_KEY.keys()];
