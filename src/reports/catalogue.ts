import { accessibilityChecks } from '../checks/accessibility/index.ts';
import { performanceChecks } from '../checks/performance/index.ts';
import { securityChecks } from '../checks/security/index.ts';
import { seoChecks } from '../checks/seo/index.ts';
import type { Check } from '../checks/types.ts';
import type { Finding } from '../generated/prisma/client.ts';

/** What reports say about a check: its module's metadata, without the evaluate function. */
export type CheckInfo = Omit<Check<never>, 'evaluate'>;
export type Fix = { summary: string; steps: string[] };

const ALL: readonly CheckInfo[] = [...securityChecks, ...seoChecks, ...accessibilityChecks, ...performanceChecks];
const BY_ID = new Map(ALL.map((check) => [check.id, check]));

/**
 * The module behind a finding's check id. Checks that report one finding per item (axe rules,
 * Lighthouse audits) give each its own id under theirs: `accessibility.axe.<rule>`.
 */
export function checkFor(checkId: string): CheckInfo | undefined {
  return BY_ID.get(checkId) ?? ALL.find((check) => checkId.startsWith(`${check.id}.`));
}

/**
 * axe's rule pages, the only guidance links a report repeats: `https://dequeuniversity.com/rules/axe/<major.minor>/<rule>`.
 * The URL comes from the page's own JavaScript context (axe runs there), so it is parsed and
 * matched exactly, not by prefix: origin, path shape, no credentials, fragment or odd characters.
 */
const AXE_HELP_ORIGIN = 'https://dequeuniversity.com';
const AXE_HELP_PATH = /^\/rules\/axe\/\d{1,2}\.\d{1,3}\/([a-z0-9]+(?:-[a-z0-9]+)*)$/;
const MAX_HELP_URL = 200;

/** The rule's own guidance page when the finding carries a genuine one (axe's helpUrl), normalised; else undefined. */
export function helpUrlOf(finding: Pick<Finding, 'evidence'>): string | undefined {
  const evidence = finding.evidence as Record<string, unknown> | null;
  const raw = evidence?.helpUrl;
  if (typeof raw !== 'string' || raw.length > MAX_HELP_URL) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.origin !== AXE_HELP_ORIGIN || url.username || url.password || url.hash) return undefined;
  const rule = AXE_HELP_PATH.exec(url.pathname)?.[1];
  // The page is the rule's: a finding of rule X never links to rule Y's page.
  if (!rule || (typeof evidence?.rule === 'string' && evidence.rule !== rule)) return undefined;
  // axe adds `?application=…`: the page is the same without it, and nothing else rides along.
  return `${AXE_HELP_ORIGIN}${url.pathname}`;
}

/** The AI's recommendation when there is one, else the check's own guidance (with the rule's page). */
export function fixFor(finding: Pick<Finding, 'check_id' | 'recommended_fix' | 'evidence'>): Fix | undefined {
  if (isFix(finding.recommended_fix)) return finding.recommended_fix;
  const check = checkFor(finding.check_id);
  if (!check) return undefined;
  const help = helpUrlOf(finding);
  return help ? { summary: check.fix.summary, steps: [...check.fix.steps, `Rule guidance: ${help}`] } : check.fix;
}

function isFix(value: unknown): value is Fix {
  if (typeof value !== 'object' || value === null) return false;
  const { summary, steps } = value as Record<string, unknown>;
  return typeof summary === 'string' && Array.isArray(steps) && steps.every((s) => typeof s === 'string');
}

/** The page URLs a finding was seen on. */
export function pageUrlsOf(finding: Pick<Finding, 'affected_assets'>): string[] {
  const assets = Array.isArray(finding.affected_assets) ? finding.affected_assets : [];
  return assets.flatMap((asset) => {
    const { type, value } = (asset ?? {}) as Record<string, unknown>;
    return type === 'url' && typeof value === 'string' ? [value] : [];
  });
}
