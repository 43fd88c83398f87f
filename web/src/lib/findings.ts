/**
 * The findings table's state: filters, the order and an offset page (the API pages findings by
 * offset, as Krafter does), all of them the API's: the whole list is sorted before it is paged.
 * Kept in the hash (#/findings?severity=high&offset=50), so a view can be shared or
 * reloaded.
 */
import type { components } from '../api/schema';

type Finding = components['schemas']['Finding'];
// Checked against the API's enums: a value the API drops fails the type-check.
export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const satisfies readonly Finding['severity'][];
export const STATUSES = ['new', 'triaged', 'in_progress', 'ready_verify', 'resolved', 'dismissed'] as const satisfies readonly Finding['status'][];
export const DOMAINS = ['security', 'performance', 'accessibility', 'seo'] as const satisfies readonly Finding['domain'][];
export const PAGE_SIZE = 50;

export type SortKey = 'priority' | 'severity' | 'title' | 'status' | 'domain' | 'updated';
export interface FindingsView {
  severity?: (typeof SEVERITIES)[number] | undefined;
  status?: (typeof STATUSES)[number] | undefined;
  domain?: (typeof DOMAINS)[number] | undefined;
  scan_id?: string | undefined;
  offset: number;
  sort: SortKey;
  dir: 'asc' | 'desc';
}

const SORT_KEYS: readonly SortKey[] = ['priority', 'severity', 'title', 'status', 'domain', 'updated'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const oneOf = <T extends string>(allowed: readonly T[], value: string | null): T | undefined => (value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : undefined);

/** A hand-edited hash never reaches the API as an invalid filter: unknown values are dropped. */
export function viewFromQuery(query: URLSearchParams): FindingsView {
  const offset = Number(query.get('offset'));
  const sort = oneOf(SORT_KEYS, query.get('sort'));
  const scan = query.get('scan_id');
  return {
    severity: oneOf(SEVERITIES, query.get('severity')),
    status: oneOf(STATUSES, query.get('status')),
    domain: oneOf(DOMAINS, query.get('domain')),
    scan_id: scan && UUID.test(scan) ? scan.toLowerCase() : undefined,
    offset: Number.isInteger(offset) && offset > 0 && offset <= 1_000_000 ? offset - (offset % PAGE_SIZE) : 0,
    sort: sort ?? 'priority',
    dir: query.get('dir') === 'asc' ? 'asc' : 'desc',
  };
}

export function viewToQuery(view: FindingsView): Record<string, string | undefined> {
  return {
    severity: view.severity,
    status: view.status,
    domain: view.domain,
    scan_id: view.scan_id,
    offset: view.offset ? String(view.offset) : undefined,
    sort: view.sort === 'priority' ? undefined : view.sort,
    dir: view.dir === 'desc' ? undefined : view.dir,
  };
}

/** The API's field for each column. */
const SORT_FIELDS = {
  priority: 'priority_score',
  severity: 'severity',
  title: 'title',
  status: 'status',
  domain: 'domain',
  updated: 'updated_at',
} as const satisfies Record<SortKey, string>;

/** The API's query for the view: filters, the order (`-field` descending) and the page. */
export function apiQuery(view: FindingsView) {
  const field = SORT_FIELDS[view.sort];
  return {
    ...(view.severity ? { severity: view.severity } : {}),
    ...(view.status ? { status: view.status } : {}),
    ...(view.domain ? { domain: view.domain } : {}),
    ...(view.scan_id ? { scan_id: view.scan_id } : {}),
    sort: view.dir === 'desc' ? (`-${field}` as const) : field,
    limit: PAGE_SIZE,
    offset: view.offset,
  };
}

/** Page arithmetic for the pager: "51–100 of 10 000". */
export function pageInfo(offset: number, shown: number, total: number) {
  return {
    from: total === 0 ? 0 : offset + 1,
    to: offset + shown,
    total,
    prevOffset: offset > 0 ? Math.max(0, offset - PAGE_SIZE) : null,
    nextOffset: offset + shown < total ? offset + PAGE_SIZE : null,
  };
}

/** The bulk menu's moves (src/domain/lifecycle.ts): resolved comes from approving a verification. */
export const BULK_TARGETS = ['triaged', 'in_progress', 'dismissed'] as const satisfies readonly Finding['status'][];
