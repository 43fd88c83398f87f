import type { AccessibilityArtifacts, AxeViolation } from '../../../../src/checks/artifacts.ts';
import { accessibilityChecks } from '../../../../src/checks/accessibility/index.ts';
import { axeViolations } from '../../../../src/checks/accessibility/axe-violations.ts';
import { runCheck, runChecks } from '../../../../src/checks/types.ts';

function violation(id: string, impact: AxeViolation['impact'], nodeCount = 1): AxeViolation {
  const nodes = Array.from({ length: Math.min(nodeCount, 25) }, (_, i) => ({
    target: [`#${id}-${i}`],
    html: `<img id="${id}-${i}" src="/a.png">`,
    failureSummary: 'Fix any of the following:\n  Element does not have an alt attribute',
  }));
  return {
    id,
    impact,
    help: `Help for ${id}`,
    description: `Ensure ${id} holds`,
    helpUrl: `https://dequeuniversity.com/rules/axe/4.14/${id}?application=axeAPI`,
    tags: ['wcag2a', 'wcag111'],
    nodes,
    nodeCount,
  };
}

const page = (...violations: AxeViolation[]): AccessibilityArtifacts => ({ url: 'https://example.com/', violations, axeVersion: '4.14.1' });

test('no violations: no findings', () => {
  expect(runChecks(accessibilityChecks, page())).toEqual([]);
});

test('one finding per violated rule, keyed and titled by the rule', () => {
  const findings = runCheck(axeViolations, page(violation('image-alt', 'critical'), violation('label', 'critical')));
  expect(findings.map((f) => [f.checkId, f.title, f.domain, f.verificationKey])).toEqual([
    ['accessibility.axe.image-alt', 'Help for image-alt', 'accessibility', 'accessibility_axe'],
    ['accessibility.axe.label', 'Help for label', 'accessibility', 'accessibility_axe'],
  ]);
});

test.each([
  ['critical', 'high'],
  ['serious', 'high'],
  ['moderate', 'medium'],
  ['minor', 'low'],
  [null, 'medium'],
] as const)('impact %p: severity %s', (impact, severity) => {
  expect(runCheck(axeViolations, page(violation('rule', impact)))[0]?.severity).toBe(severity);
});

test('detail names the count and the first selectors; evidence keeps the nodes and the full count', () => {
  const rule = violation('color-contrast', 'serious', 40);
  const [finding] = runCheck(axeViolations, page(rule));
  expect(finding?.description).toBe(
    'axe rule color-contrast (Ensure color-contrast holds) fails for 40 elements on https://example.com/: #color-contrast-0, #color-contrast-1, #color-contrast-2, and 37 more.',
  );
  expect(finding?.evidence).toEqual({
    rule: 'color-contrast',
    impact: 'serious',
    helpUrl: rule.helpUrl,
    tags: ['wcag2a', 'wcag111'],
    nodes: rule.nodes,
    nodeCount: 40,
  });
  expect(finding?.evidence.nodes).toHaveLength(25);
});

test('a single element reads in the singular', () => {
  expect(runCheck(axeViolations, page(violation('html-has-lang', 'serious')))[0]?.description).toContain('fails for 1 element on');
});

test('the fix quotes axe on the first element and links the rule', () => {
  const [finding] = runCheck(axeViolations, page(violation('image-alt', 'critical')));
  expect(finding?.fix).toEqual({
    summary: 'Help for image-alt.',
    steps: [
      '#image-alt-0: Fix any of the following:\n  Element does not have an alt attribute',
      'Fix every element listed in the evidence the same way, then rescan.',
      'Rule guidance: https://dequeuniversity.com/rules/axe/4.14/image-alt?application=axeAPI',
    ],
  });
});
