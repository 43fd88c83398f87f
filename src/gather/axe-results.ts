import axeCore from 'axe-core';
import { z } from 'zod';
import type { AccessibilityArtifacts, AxeViolation } from '../checks/artifacts.ts';
import { clip } from '../checks/bounds.ts';

/** The WCAG 2.0 and 2.1 A/AA rules runAxe asks for. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Bounds of what runAxe keeps of a page's results. axe runs in an isolated world, so its results
 * are its own, but they still describe a page anyone writes: 100 000 failing elements, selectors
 * through deep shadow trees, attributes of megabytes.
 */
export const AXE_BOUNDS = {
  nodesPerRule: 25,
  /** Levels of a target selector (one per shadow tree crossed). */
  targetLevels: 5,
  selectorChars: 200,
  htmlChars: 300,
  failureSummaryChars: 1_000,
  /** nodeCount is a count of elements of one page; beyond this it is reported as this. */
  nodeCount: 1_000_000,
} as const;

export interface AxeRuleMeta {
  help: string;
  description: string;
  helpUrl: string;
  tags: string[];
}

/**
 * The rules axe-core itself lists for AXE_TAGS, read from the package on the Node side (never
 * from the page): the only rule ids kept, and where each rule's help, description, help URL and
 * tags come from. A result can name a rule; it cannot describe it.
 */
export const AXE_RULES: ReadonlyMap<string, AxeRuleMeta> = new Map(
  axeCore.getRules(AXE_TAGS).map((rule) => [rule.ruleId, { help: rule.help, description: rule.description, helpUrl: rule.helpUrl, tags: rule.tags }]),
);

/**
 * Runs in the isolated world after axe-core's source, as an expression: runs axe and cuts its
 * result to AXE_BOUNDS before it leaves the page, so the transfer is bounded as well.
 */
export function axeRunExpression(runOptions: unknown): string {
  const b = AXE_BOUNDS;
  return `(async () => {
    const cut = (value, max) => String(value ?? '').slice(0, max);
    const results = await axe.run(document, ${JSON.stringify(runOptions)});
    return results.violations.slice(0, ${AXE_RULES.size}).map((rule) => ({
      id: cut(rule.id, 100),
      impact: rule.impact ?? null,
      nodeCount: rule.nodes.length,
      nodes: rule.nodes.slice(0, ${b.nodesPerRule}).map((node) => ({
        target: node.target.slice(0, ${b.targetLevels}).map((s) => (Array.isArray(s) ? s.slice(0, ${b.targetLevels}).map((p) => cut(p, ${b.selectorChars})).join(' >>> ') : cut(s, ${b.selectorChars}))),
        html: cut(node.html, ${b.htmlChars}),
        failureSummary: cut(node.failureSummary, ${b.failureSummaryChars}),
      })),
    }));
  })()`;
}

const text = (max: number) => z.string().transform((s) => clip(s, max));

/** What axeRunExpression answers, checked again on this side: a wrong shape fails the audit. */
const rawViolations = z
  .array(
    z.object({
      id: z.string().max(100),
      impact: z.enum(['minor', 'moderate', 'serious', 'critical']).nullable(),
      nodeCount: z.number().int().nonnegative().transform((n) => Math.min(n, AXE_BOUNDS.nodeCount)),
      nodes: z
        .array(
          z.object({
            target: z.array(text(AXE_BOUNDS.targetLevels * (AXE_BOUNDS.selectorChars + 5))).max(AXE_BOUNDS.targetLevels),
            html: text(AXE_BOUNDS.htmlChars),
            failureSummary: text(AXE_BOUNDS.failureSummaryChars),
          }),
        )
        .max(AXE_BOUNDS.nodesPerRule),
    }),
  )
  .max(AXE_RULES.size);

export class MalformedAxeResult extends Error {
  override name = 'MalformedAxeResult';
}

/**
 * The artifacts of one axe run: only rules axe lists (each at most once), described by axe's own
 * metadata, with the page's elements cut to AXE_BOUNDS.
 */
export function toAccessibilityArtifacts(raw: unknown, url: string): AccessibilityArtifacts {
  const parsed = rawViolations.safeParse(raw);
  if (!parsed.success) throw new MalformedAxeResult(`axe returned a malformed result: ${clip(parsed.error.issues[0]?.message ?? 'invalid', 200)}`);
  const seen = new Set<string>();
  const violations: AxeViolation[] = [];
  for (const rule of parsed.data) {
    const meta = AXE_RULES.get(rule.id);
    if (!meta || seen.has(rule.id)) continue;
    seen.add(rule.id);
    violations.push({ id: rule.id, impact: rule.impact, ...meta, tags: [...meta.tags], nodes: rule.nodes, nodeCount: Math.max(rule.nodeCount, rule.nodes.length) });
  }
  return { url, axeVersion: axeCore.version, violations };
}
