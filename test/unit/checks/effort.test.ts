import { CHECKS, checkOf } from '../../../src/checks/registry.ts';
import { accessibilityChecks } from '../../../src/checks/accessibility/index.ts';
import { performanceChecks } from '../../../src/checks/performance/index.ts';
import { securityChecks } from '../../../src/checks/security/index.ts';
import { seoChecks } from '../../../src/checks/seo/index.ts';
import { baseEffort, scoreFinding } from '../../../src/domain/scoring.ts';

const scannerChecks = [...securityChecks, ...seoChecks, ...accessibilityChecks, ...performanceChecks];

describe('effort, from the check modules', () => {
  it('every registered check has an effort in 0..100, and the registry holds every scanner check', () => {
    expect(scannerChecks.length).toBeGreaterThan(40);
    for (const check of scannerChecks) expect(CHECKS.get(check.id)).toBe(check);
    for (const check of CHECKS.values()) {
      expect([check.id, Number.isInteger(check.effort) && check.effort >= 0 && check.effort <= 100]).toEqual([check.id, true]);
    }
  });

  it("a finding's effort is its check's, for real ids and per-item ids", () => {
    for (const check of CHECKS.values()) {
      expect([check.id, baseEffort(check.id, check.domain)]).toEqual([check.id, check.effort]);
      const { effort } = scoreFinding({ domain: check.domain, severity: check.severity, checkId: check.id, confidence: 1, evidence: {} });
      expect([check.id, effort]).toEqual([check.id, check.effort]);
    }
    expect(checkOf('accessibility.axe.image-alt')?.id).toBe('accessibility.axe');
    expect(checkOf('performance.lighthouse.unused-javascript')?.id).toBe('performance.lighthouse');
    expect(checkOf('accessibility.ai_review.wcag_1_1_1')?.id).toBe('accessibility.ai_review');
    expect(baseEffort('performance.lighthouse.unused-javascript', 'performance')).toBe(CHECKS.get('performance.lighthouse')!.effort);
    // A family's modules differ: the old prefix table gave every security check but a few 15.
    expect(baseEffort('security.csp_missing', 'security')).toBe(45);
    expect(baseEffort('security.http_not_redirected', 'security')).toBe(30);
    expect(baseEffort('seo.h1_missing', 'seo')).toBe(25);
    expect(baseEffort('seo.image_alt_missing', 'seo')).toBe(20);
  });

  it('names no id that no module makes (the old table had security.https, seo.headings, seo.images)', () => {
    for (const ghost of ['security.https', 'seo.headings', 'seo.images', 'security.cookie', 'security.mixed_content']) {
      expect([ghost, checkOf(ghost)]).toEqual([ghost, undefined]);
    }
    // Not a dotted prefix: "security.csp_missingX" is not security.csp_missing's item.
    expect(checkOf('security.csp_missingX')).toBeUndefined();
    // Unknown ids fall back to their domain's effort.
    expect(baseEffort('security.retired_check', 'security')).toBe(15);
    expect(baseEffort('performance.retired_metric', 'performance')).toBe(60);
  });
});
