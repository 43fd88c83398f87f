/**
 * Hash routes (#/findings?severity=high): the server serves one page at /, so a reload or a
 * bookmark of any view works without a server-side fallback, and nothing after # reaches the
 * server or its logs.
 */
export type Route =
  | { name: 'overview' }
  | { name: 'scans' }
  | { name: 'scan'; id: string }
  | { name: 'findings'; query: URLSearchParams }
  | { name: 'finding'; id: string }
  | { name: 'tasks' }
  | { name: 'task'; id: string }
  | { name: 'policies' }
  | { name: 'reports' }
  | { name: 'not_found' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q === -1 ? raw : raw.slice(0, q)).replace(/\/+$/, '');
  const query = new URLSearchParams(q === -1 ? '' : raw.slice(q + 1));
  const [first = '', second, ...rest] = path.split('/');
  if (rest.length > 0) return { name: 'not_found' };
  const single = (name: 'overview' | 'scans' | 'tasks' | 'policies' | 'reports'): Route => (second === undefined ? { name } : { name: 'not_found' });
  switch (first) {
    case '':
      return single('overview');
    case 'scans':
      if (second === undefined) return { name: 'scans' };
      return UUID.test(second) ? { name: 'scan', id: second.toLowerCase() } : { name: 'not_found' };
    case 'findings':
      if (second === undefined) return { name: 'findings', query };
      return UUID.test(second) ? { name: 'finding', id: second.toLowerCase() } : { name: 'not_found' };
    case 'tasks':
      if (second === undefined) return { name: 'tasks' };
      return UUID.test(second) ? { name: 'task', id: second.toLowerCase() } : { name: 'not_found' };
    case 'policies':
      return single('policies');
    case 'reports':
      return single('reports');
    default:
      return { name: 'not_found' };
  }
}

export function href(path: string, query?: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  return `#/${path.replace(/^\/+/, '')}${qs ? `?${qs}` : ''}`;
}
