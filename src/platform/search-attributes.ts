import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

/**
 * The search attributes every workflow carries, so a run is found in the Temporal Web UI or CLI by
 * what an operator knows: `temporal workflow list --query "SitewardenOrgId='…'"` (docs/deploy.md).
 * The dev server registers them at start (scripts/dev, test/support/temporal.ts); a worker
 * registers any that a cluster lacks (ensureSearchAttributes).
 */
export const ORG_ID = defineSearchAttributeKey('SitewardenOrgId', SearchAttributeType.KEYWORD);
export const PROJECT_ID = defineSearchAttributeKey('SitewardenProjectId', SearchAttributeType.KEYWORD);
/** What started the run: a scan's trigger (manual, scheduled, post_deploy), `manual` for API requests, `scheduled` for a schedule's firings (and its Temporal Schedule), `schedule` for the sweeper. */
export const TRIGGER = defineSearchAttributeKey('SitewardenTrigger', SearchAttributeType.KEYWORD);
/** The scanned or re-checked URL (Text: searchable by its words); absent for work without one (reports, the sweeper). */
export const URL_ATTRIBUTE = defineSearchAttributeKey('SitewardenUrl', SearchAttributeType.TEXT);

export const SEARCH_ATTRIBUTE_KEYS = [ORG_ID, PROJECT_ID, TRIGGER, URL_ATTRIBUTE] as const;

/** `Name=Type` as `temporal server start-dev --search-attribute` takes them. */
export const SEARCH_ATTRIBUTE_FLAGS = SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name}=${key.type === SearchAttributeType.TEXT ? 'Text' : 'Keyword'}`);

/**
 * Temporal refuses a search attribute value over 2 KB (limit.searchAttributesSizeOfValue) and a
 * summary is shown on one line: a URL (≤ 2048 characters when accepted) is cut to fit.
 */
const MAX_URL = 1_000;
const MAX_SUMMARY = 200;

export interface RunAttributes {
  orgId: string;
  projectId: string | null;
  trigger: string;
  url?: string | null;
}

export function runSearchAttributes({ orgId, projectId, trigger, url }: RunAttributes): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: ORG_ID, value: orgId },
    { key: TRIGGER, value: trigger },
  ];
  if (projectId) pairs.push({ key: PROJECT_ID, value: projectId });
  if (url) pairs.push({ key: URL_ATTRIBUTE, value: url.slice(0, MAX_URL) });
  return pairs;
}

/** A workflow's or activity's one-line summary in the UI: `what` and the URL, bounded. */
export function summary(what: string, url?: string | null): string {
  const text = url ? `${what} ${url}` : what;
  return text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text;
}
