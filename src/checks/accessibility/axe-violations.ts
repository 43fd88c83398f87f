import type { AccessibilityArtifacts, AxeViolation } from '../artifacts.ts';
import type { Check, Severity } from '../types.ts';

const SEVERITY: Record<NonNullable<AxeViolation['impact']>, Severity> = {
  critical: 'high',
  serious: 'high',
  moderate: 'medium',
  minor: 'low',
};
const SELECTORS_IN_DETAIL = 3;

export const axeViolations: Check<AccessibilityArtifacts> = {
  id: 'accessibility.axe',
  domain: 'accessibility',
  title: 'Accessibility rule violated',
  description:
    'axe-core tested the rendered page against the WCAG 2.0 and 2.1 level A and AA rules it can check automatically. ' +
    'Each violated rule is one finding; its severity follows the impact axe gives it.',
  severity: 'high',
  effort: 30,
  verificationKey: 'accessibility_axe',
  fix: {
    summary: "Fix every element axe lists for the rule, following the rule's guidance.",
    steps: ['Open the rule’s help page for what passes.', 'Fix each listed element, then rescan.'],
  },
  evaluate({ url, violations }) {
    return violations.map((rule) => {
      const [first] = rule.nodes;
      const selectors = rule.nodes.slice(0, SELECTORS_IN_DETAIL).map((node) => node.target.join(' '));
      const more = rule.nodeCount > selectors.length ? `, and ${rule.nodeCount - selectors.length} more` : '';
      return {
        checkId: `accessibility.axe.${rule.id}`,
        title: rule.help,
        severity: SEVERITY[rule.impact ?? 'moderate'],
        detail: `axe rule ${rule.id} (${rule.description}) fails for ${rule.nodeCount} element${rule.nodeCount === 1 ? '' : 's'} on ${url}: ${selectors.join(', ')}${more}.`,
        evidence: { rule: rule.id, impact: rule.impact, helpUrl: rule.helpUrl, tags: rule.tags, nodes: rule.nodes, nodeCount: rule.nodeCount },
        fix: {
          summary: `${rule.help}.`,
          steps: [
            ...(first ? [`${first.target.join(' ')}: ${first.failureSummary}`] : []),
            'Fix every element listed in the evidence the same way, then rescan.',
            `Rule guidance: ${rule.helpUrl}`,
          ],
        },
      };
    });
  },
};
