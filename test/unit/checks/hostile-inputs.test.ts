import { accessibilityChecks } from '../../../src/checks/accessibility/index.ts';
import type { SecurityArtifacts, SeoArtifacts } from '../../../src/checks/artifacts.ts';
import { MAX_DETAIL_CHARS, MAX_EVIDENCE_DEPTH, MAX_EVIDENCE_ITEMS, MAX_EVIDENCE_STRING_CHARS, MAX_FIX_STEP_CHARS, MAX_FIX_STEPS } from '../../../src/checks/bounds.ts';
import { LHR_BOUNDS } from '../../../src/checks/performance/from-lhr.ts';
import { performanceChecks } from '../../../src/checks/performance/index.ts';
import { securityChecks } from '../../../src/checks/security/index.ts';
import { seoChecks } from '../../../src/checks/seo/index.ts';
import { runCheck, type Check, type DetectedFinding } from '../../../src/checks/types.ts';
import { AXE_RULES } from '../../../src/gather/axe-results.ts';
import { MAX_NESTING_DEPTH, MAX_PAGE_ELEMENTS, pageStructure } from '../../../src/gather/html-page.ts';
import { lighthousePerformanceAudits } from '../../../src/gather/lighthouse-audits.ts';
import {
  HOSTILE_HEADER_SETS,
  HOSTILE_HTML,
  HOSTILE_PROBE_BODIES,
  hostileAccessibility,
  hostilePerformance,
  hostileSecurity,
  hostileSeo,
  MAX_PAGE_CHARS,
} from '../../support/hostile.ts';

// Every check, fed the largest and most pathological inputs gathering lets through: it answers
// (no exception), and what it answers is bounded. Speed is measured in bench/hostile-inputs.ts.
jest.setTimeout(600_000);

const SMALL_PAGE = '<!doctype html><html lang="en"><head><title>t</title></head><body><h1>h</h1></body></html>';

/** Everything a finding keeps is within the bounds of bounds.ts. */
function expectBounded(findings: DetectedFinding[], maxFindings: number): void {
  expect(findings.length).toBeLessThanOrEqual(maxFindings);
  for (const finding of findings) {
    expect(finding.description.length).toBeLessThanOrEqual(MAX_DETAIL_CHARS);
    expect(finding.title.length).toBeLessThanOrEqual(300);
    expect(finding.fix.steps.length).toBeLessThanOrEqual(MAX_FIX_STEPS);
    for (const step of finding.fix.steps) expect(step.length).toBeLessThanOrEqual(MAX_FIX_STEP_CHARS);
    expectEvidenceBounded(finding.evidence, 0);
    // The whole evidence of one finding, as stored.
    expect(JSON.stringify(finding.evidence).length).toBeLessThan(300_000);
  }
}

function expectEvidenceBounded(value: unknown, depth: number): void {
  expect(depth).toBeLessThanOrEqual(MAX_EVIDENCE_DEPTH);
  if (typeof value === 'string') return expect(value.length).toBeLessThanOrEqual(MAX_EVIDENCE_STRING_CHARS);
  if (typeof value !== 'object' || value === null) return;
  const items = Object.values(value);
  expect(items.length).toBeLessThanOrEqual(MAX_EVIDENCE_ITEMS + 1); // + the "… and N more" marker
  for (const item of items) expectEvidenceBounded(item, depth + 1);
}

function runAll<A>(checks: readonly Check<A>[], artifacts: A): void {
  for (const check of checks) {
    let findings: DetectedFinding[] = [];
    expect(() => (findings = runCheck(check, artifacts))).not.toThrow();
    expectBounded(findings, 1);
  }
}

describe.each(Object.entries(HOSTILE_HEADER_SETS))('headers of %s, each at 16 KiB', (_name, headers) => {
  test('every security check answers within bounds', () => {
    runAll(securityChecks, hostileSecurity(SMALL_PAGE, headers));
  });
  test('every SEO check answers within bounds', () => {
    runAll(seoChecks, hostileSeo(SMALL_PAGE, headers, HOSTILE_PROBE_BODIES['many rules']!));
  });
});

describe.each(Object.keys(HOSTILE_HTML))('a 5 MiB page: %s', (name) => {
  let security: SecurityArtifacts;
  let seo: SeoArtifacts;
  beforeAll(() => {
    const html = HOSTILE_HTML[name]!();
    expect(html.length).toBeGreaterThan(MAX_PAGE_CHARS * 0.9);
    expect(html.length).toBeLessThanOrEqual(MAX_PAGE_CHARS);
    // What page capture lets through (deeper pages, and pages of more elements, are refused there).
    const structure = pageStructure(html, { depth: MAX_NESTING_DEPTH, elements: MAX_PAGE_ELEMENTS });
    expect(structure.depth).toBeLessThanOrEqual(MAX_NESTING_DEPTH);
    expect(structure.elements).toBeLessThanOrEqual(MAX_PAGE_ELEMENTS);
    security = hostileSecurity(html, HOSTILE_HEADER_SETS.directives!);
    seo = { ...hostileSeo('', HOSTILE_HEADER_SETS.directives!, HOSTILE_PROBE_BODIES['many rules']!), page: security.page };
  });

  test('every security check answers within bounds', () => runAll(securityChecks, security));
  test('every SEO check answers within bounds', () => runAll(seoChecks, seo));
});

describe.each(Object.entries(HOSTILE_PROBE_BODIES))('robots.txt and sitemap: %s', (_name, body) => {
  test('every SEO check answers within bounds', () => {
    runAll(seoChecks, hostileSeo(SMALL_PAGE, {}, body));
  });
});

test('axe results at their bounds: one finding per rule axe lists, each bounded', () => {
  const artifacts = hostileAccessibility();
  for (const check of accessibilityChecks) {
    const findings = runCheck(check, artifacts);
    expectBounded(findings, AXE_RULES.size);
    expect(findings).toHaveLength(AXE_RULES.size);
    for (const finding of findings) expect(AXE_RULES.has(finding.checkId.replace('accessibility.axe.', ''))).toBe(true);
  }
});

test('Lighthouse results at their bounds: one finding per known audit at most, each bounded', async () => {
  const known = [...(await lighthousePerformanceAudits())];
  const artifacts = hostilePerformance(known, LHR_BOUNDS);
  for (const check of performanceChecks) {
    const findings = runCheck(check, artifacts);
    expectBounded(findings, known.length);
    for (const finding of findings) expect(finding.checkId === check.id || known.includes(finding.checkId.replace('performance.lighthouse.', ''))).toBe(true);
  }
});
