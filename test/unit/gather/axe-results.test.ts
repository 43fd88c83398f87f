import axeCore from 'axe-core';
import { AXE_BOUNDS, AXE_RULES, AXE_TAGS, MalformedAxeResult, toAccessibilityArtifacts } from '../../../src/gather/axe-results.ts';

const node = (n: number) => ({ target: [`img:nth-child(${n})`], html: `<img src="${n}.png">`, failureSummary: 'Fix any of the following:\n  Element does not have an alt attribute' });

describe('the rules axe lists', () => {
  test("are axe-core's own for the WCAG A/AA tags, read from the package", () => {
    expect([...AXE_RULES.keys()].sort()).toEqual(axeCore.getRules(AXE_TAGS).map((r) => r.ruleId).sort());
    expect(AXE_RULES.size).toBeGreaterThan(40);
    expect(AXE_RULES.get('image-alt')?.helpUrl).toMatch(/^https:\/\/dequeuniversity\.com\/rules\/axe\/\d+\.\d+\/image-alt\b/);
  });
});

describe('toAccessibilityArtifacts', () => {
  test("keeps known rules once, described by axe's metadata, never the result's", () => {
    const raw = [
      { id: 'image-alt', impact: 'critical', nodeCount: 2, nodes: [node(1), node(2)], help: 'lies', helpUrl: 'javascript:alert(1)' },
      { id: 'image-alt', impact: 'minor', nodeCount: 1, nodes: [node(3)] },
      { id: 'invented-rule', impact: 'critical', nodeCount: 1, nodes: [node(4)] },
      { id: 'x.'.repeat(50), impact: 'critical', nodeCount: 1, nodes: [] },
      { id: '__proto__', impact: 'critical', nodeCount: 1, nodes: [] },
      { id: 'best-practice-only-rule', impact: 'minor', nodeCount: 0, nodes: [] },
    ];
    const artifacts = toAccessibilityArtifacts(raw, 'https://example.com/');
    expect(artifacts).toEqual({
      url: 'https://example.com/',
      axeVersion: axeCore.version,
      violations: [{ id: 'image-alt', impact: 'critical', ...AXE_RULES.get('image-alt'), nodes: [node(1), node(2)], nodeCount: 2 }],
    });
  });

  test('5 000 invented violations with megabyte strings: a malformed result, refused whole', () => {
    const invented = Array.from({ length: 5000 }, (_, i) => ({ id: `invented-${i}`, impact: 'critical', nodeCount: 1, nodes: [node(i)] }));
    expect(() => toAccessibilityArtifacts(invented, 'https://example.com/')).toThrow(MalformedAxeResult);
    const longId = [{ id: 'x.'.repeat(40_000), impact: 'critical', nodeCount: 1, nodes: [] }];
    expect(() => toAccessibilityArtifacts(longId, 'https://example.com/')).toThrow(MalformedAxeResult);
    const manyNodes = [{ id: 'image-alt', impact: 'critical', nodeCount: 1000, nodes: Array.from({ length: 1000 }, (_, i) => node(i)) }];
    expect(() => toAccessibilityArtifacts(manyNodes, 'https://example.com/')).toThrow(MalformedAxeResult);
  });

  test.each([null, 'violations', {}, [{}], [{ id: 'label', impact: 'fatal', nodeCount: 1, nodes: [] }], [{ id: 'label', impact: null, nodeCount: -1, nodes: [] }], [{ id: 'label', impact: null, nodeCount: 1.5, nodes: [] }], [{ id: 'label', impact: null, nodeCount: 1, nodes: [{ target: 'x', html: '', failureSummary: '' }] }]])(
    'a wrong shape fails: %p',
    (raw) => {
      expect(() => toAccessibilityArtifacts(raw, 'https://example.com/')).toThrow(MalformedAxeResult);
    },
  );

  test('strings are cut to the bounds and made storable; the count stays within its bound', () => {
    const raw = [
      {
        id: 'label',
        impact: 'serious',
        nodeCount: 10 ** 12,
        nodes: [{ target: ['a'.repeat(100_000), 'b\u0000\uD800'], html: `<input value="${'\uD83D\uDE00'.repeat(1000)}">`, failureSummary: 'f'.repeat(100_000) }],
      },
    ];
    const [label] = toAccessibilityArtifacts(raw, 'https://example.com/').violations;
    expect(label?.nodeCount).toBe(AXE_BOUNDS.nodeCount);
    const [first] = label?.nodes ?? [];
    expect(first?.html.length).toBeLessThanOrEqual(AXE_BOUNDS.htmlChars);
    expect(first?.failureSummary.length).toBeLessThanOrEqual(AXE_BOUNDS.failureSummaryChars);
    expect(first?.target[1]).toBe('b\uFFFD\uFFFD');
    // No unpaired surrogate left by the cut: PostgreSQL's jsonb would refuse the finding.
    expect(first?.html).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });
});
