/**
 * The findings table's state: filters that go to the API (severity, status, domain, scan), an
 * offset page (the API pages findings by offset, as Krafter does), and a sort of the rows on
 * screen. Kept in the hash (#/findings?severity=high&offset=50), so a view can be shared or
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

/** The API's query for the view: filters and the page; sorting is not the API's. */
export function apiQuery(view: FindingsView) {
  return {
    ...(view.severity ? { severity: view.severity } : {}),
    ...(view.status ? { status: view.status } : {}),
    ...(view.domain ? { domain: view.domain } : {}),
    ...(view.scan_id ? { scan_id: view.scan_id } : {}),
    limit: PAGE_SIZE,
    offset: view.offset,
  };
}

export interface SortableFinding {
  id: string;
  title: string;
  severity: string;
  status: string;
  domain: string;
  priority_score: number;
  updated_at: string;
}

const SEVERITY_RANK: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1 };
const STATUS_RANK: Record<string, number> = Object.fromEntries(STATUSES.map((s, i) => [s, i]));

/** A stable sort (ties keep the API's order: priority, then newest). */
export function sortFindings<T extends SortableFinding>(rows: readonly T[], key: SortKey, dir: 'asc' | 'desc'): T[] {
  const value = (row: T): number | string => {
    switch (key) {
      case 'priority':
        return row.priority_score;
      case 'severity':
        return SEVERITY_RANK[row.severity] ?? -1;
      case 'status':
        return STATUS_RANK[row.status] ?? -1;
      case 'title':
        return row.title.toLocaleLowerCase();
      case 'domain':
        return row.domain;
      case 'updated':
        return row.updated_at;
    }
  };
  const sign = dir === 'asc' ? 1 : -1;
  return rows
    .map((row, index) => ({ row, index, v: value(row) }))
    .sort((a, b) => (a.v < b.v ? -sign : a.v > b.v ? sign : a.index - b.index))
    .map((x) => x.row);
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
