import type { AxeViolation } from '../artifacts.ts';
import type { Check, Detection, Severity } from '../types.ts';
import { axeTagOf, WCAG21_AA_CRITERIA, type WcagCriterion } from './wcag.ts';

/**
 * The AI review's issues, merged with axe-core's: an issue of a rule axe already reported on the
 * same element is dropped; the rest become one finding per WCAG criterion, marked `source: llm`
 * and less certain than axe's. Run by the accessibility scanner when a provider answered; not in
 * index.ts, because its artifacts hold the model's answer as well as axe's results.
 */

/** axe-core's findings have confidence 1: its rules are deterministic. A model's reading is not. */
export const AI_REVIEW_CONFIDENCE = 0.6;

export interface AiReviewIssue {
  criterion: WcagCriterion;
  element: string;
  axe_rule: string | null;
  problem: string;
  fix: string;
  severity: Severity;
}

export interface AiReviewArtifacts {
  url: string;
  violations: AxeViolation[];
  review: { provider: string; model: string; issues: AiReviewIssue[] };
}

const SEVERITY_ORDER: Severity[] = ['critical', 'high', 'medium', 'low'];

export const aiAccessibilityReview: Check<AiReviewArtifacts> = {
  id: 'accessibility.ai_review',
  domain: 'accessibility',
  title: 'Accessibility issue found by the AI review',
  description:
    'A language model read the page’s HTML (its first 40 KB) against WCAG 2.1 AA, for what automated rules cannot judge: ' +
    'alternative text that does not describe, links that say nothing out of context, unclear headings and labels. ' +
    'Issues axe-core already reported on the same element are left out.',
  severity: 'medium',
  effort: 30,
  verificationKey: 'accessibility_ai_review',
  fix: {
    summary: 'Fix each element the review lists for the criterion.',
    steps: ['Read the problem and fix noted for each element in the evidence.', 'Fix the markup, then rescan.'],
  },
  evaluate({ url, violations, review }) {
    const fresh = review.issues.filter((issue) => !violations.some((rule) => sameRule(issue, rule) && rule.nodes.some((node) => sameElement(issue.element, node))));
    const byCriterion = new Map<WcagCriterion, AiReviewIssue[]>();
    for (const issue of fresh) byCriterion.set(issue.criterion, [...(byCriterion.get(issue.criterion) ?? []), issue]);
    return [...byCriterion].map(([criterion, issues]): Detection => {
      const name = WCAG21_AA_CRITERIA[criterion];
      const severity = SEVERITY_ORDER.find((s) => issues.some((i) => i.severity === s)) ?? 'medium';
      return {
        checkId: `accessibility.ai_review.wcag_${criterion.replaceAll('.', '_')}`,
        title: `WCAG ${criterion} ${name} (AI review)`,
        severity,
        confidence: AI_REVIEW_CONFIDENCE,
        detail: `The AI review found ${issues.length} element${issues.length === 1 ? '' : 's'} on ${url} failing WCAG ${criterion} (${name}): ${issues[0]!.problem}`,
        evidence: {
          source: 'llm',
          provider: review.provider,
          model: review.model,
          criterion,
          issues: issues.map(({ element, problem, fix, severity: s }) => ({ element, problem, fix, severity: s })),
          nodeCount: issues.length,
        },
        fix: { summary: issues[0]!.fix, steps: issues.map((i) => `${i.element}: ${i.fix}`) },
      };
    });
  },
};

function sameRule(issue: AiReviewIssue, rule: AxeViolation): boolean {
  return issue.axe_rule === rule.id || rule.tags.includes(axeTagOf(issue.criterion));
}

/**
 * Whether the element the model cites (an opening tag copied from the source, or a CSS selector)
 * is one axe flagged (its selector, and its outerHTML as the browser serialised it): the same
 * selector, or the same tag with the same attributes or the same identifying attribute.
 */
export function sameElement(cited: string, node: AxeViolation['nodes'][number]): boolean {
  const element = cited.trim();
  if (!element.startsWith('<')) return node.target.some((selector) => normalizeSpace(selector) === normalizeSpace(element));
  const ours = parseOpeningTag(element);
  const theirs = parseOpeningTag(node.html);
  if (!ours || !theirs || ours.tag !== theirs.tag) return false;
  const identifying = ['id', 'name', 'for', 'src', 'href'].some((attr) => ours.attrs.get(attr) && ours.attrs.get(attr) === theirs.attrs.get(attr));
  const allEqual = ours.attrs.size === theirs.attrs.size && [...ours.attrs].every(([k, v]) => theirs.attrs.get(k) === v);
  return identifying || allEqual;
}

const normalizeSpace = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();

function parseOpeningTag(html: string): { tag: string; attrs: Map<string, string> } | null {
  const match = /^\s*<([a-zA-Z][\w:-]*)([^>]*)/.exec(html);
  if (!match) return null;
  const attrs = new Map<string, string>();
  for (const [, name, quoted, singleQuoted, bare] of match[2]!.matchAll(/([^\s"'=<>/]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g)) {
    attrs.set(name!.toLowerCase(), (quoted ?? singleQuoted ?? bare ?? '').trim());
  }
  return { tag: match[1]!.toLowerCase(), attrs };
}
