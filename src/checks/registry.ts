import { accessibilityChecks } from './accessibility/index.ts';
import { performanceChecks } from './performance/index.ts';
import { securityChecks } from './security/index.ts';
import { seoChecks } from './seo/index.ts';
import type { FindingDomain } from './types.ts';

/** Which domain's checks answer each verification key ("security_header_csp" → security, …). */
const DOMAIN_OF_KEY = new Map<string, FindingDomain>(
  [...securityChecks, ...seoChecks, ...accessibilityChecks, ...performanceChecks].map((check) => [check.verificationKey, check.domain]),
);

export function domainOfVerificationKey(key: string): FindingDomain | undefined {
  return DOMAIN_OF_KEY.get(key);
}

export const VERIFICATION_KEYS: readonly string[] = [...DOMAIN_OF_KEY.keys()];
