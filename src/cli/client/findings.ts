import type { ApiClient } from './api-client.ts';

const PAGE = 200;

export interface Finding {
  id: string;
  severity: string;
  status: string;
  domain: string;
  title: string;
  check_id: string;
  priority_score?: number;
  [key: string]: unknown;
}

/** Every finding of a list query, page after page (offset paging; a cursor if the API gives one). */
export async function allFindings(client: ApiClient, filters: Record<string, string | undefined>): Promise<Finding[]> {
  const found: Finding[] = [];
  let cursor: string | null = null;
  for (;;) {
    const query = new URLSearchParams({ limit: String(PAGE) });
    for (const [k, v] of Object.entries(filters)) if (v) query.set(k, v);
    if (cursor) query.set('cursor', cursor);
    else query.set('offset', String(found.length));
    const { data, meta } = await client.call<Finding[]>('GET', `findings?${query}`);
    found.push(...data);
    cursor = meta?.next_cursor ?? null;
    if (data.length === 0 || (!cursor && found.length >= (meta?.total ?? 0))) return found;
  }
}
