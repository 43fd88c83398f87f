import { startFakeServer, type FakeAnswer, type FakeTracker } from './server.ts';

/**
 * GitLab's REST API v4 as @gitbeaker/rest uses it for issues: GET /api/v4/projects/:id,
 * POST /api/v4/projects/:id/issues (labels, comma-separated), GET /api/v4/projects/:id/issues
 * (filtered by `labels` and `state`), PUT /api/v4/projects/:id/issues/:iid (state_event close or reopen).
 * The project is found by its numeric id or its URL-encoded full path.
 */
export function startFakeGitLab(opts: { token: string; projectId: number; path: string }): Promise<FakeTracker> {
  return startFakeServer(({ method, path, headers, body, query }, tickets): FakeAnswer => {
    if (headers['private-token'] !== opts.token && headers.authorization !== `Bearer ${opts.token}`) return { status: 401, body: { message: '401 Unauthorized' } };
    const m = /^\/api\/v4\/projects\/([^/]+)(\/issues(?:\/(\d+))?)?$/.exec(path);
    const ref = m ? decodeURIComponent(m[1]!) : '';
    if (!m || (ref !== String(opts.projectId) && ref !== opts.path)) return { status: 404, body: { message: '404 Project Not Found' } };
    const issue = (t: (typeof tickets)[number]) => ({
      id: 5000 + Number(t.id),
      iid: Number(t.id),
      project_id: opts.projectId,
      title: t.title,
      description: t.body,
      state: t.state === 'open' ? 'opened' : 'closed',
      labels: t.labels ?? [],
      web_url: `https://gitlab.example/${opts.path}/-/issues/${t.id}`,
      references: { short: `#${t.id}`, relative: `#${t.id}`, full: `${opts.path}#${t.id}` },
    });
    if (!m[2] && method === 'GET') return { status: 200, body: { id: opts.projectId, path_with_namespace: opts.path, issues_enabled: true } };
    // gitbeaker sends a JSON body; the API takes the same fields as query parameters too.
    const input = { ...Object.fromEntries(query), ...((body ?? {}) as Record<string, string>) };
    if (m[2] && !m[3] && method === 'GET') {
      const wanted = (query.get('labels') ?? '').split(',').filter(Boolean);
      const state = query.get('state');
      const listed = tickets.filter((t) => wanted.every((label) => t.labels?.includes(label)) && (!state || state === 'all' || (state === 'opened') === (t.state === 'open')));
      if (query.get('sort') === 'asc') listed.sort((a, b) => Number(a.id) - Number(b.id));
      else listed.sort((a, b) => Number(b.id) - Number(a.id));
      const perPage = Number(query.get('per_page') ?? 20);
      return { status: 200, body: listed.slice(0, perPage).map(issue), headers: { 'x-page': '1', 'x-per-page': String(perPage), 'x-total': String(listed.length), 'x-total-pages': String(Math.max(1, Math.ceil(listed.length / perPage))) } };
    }
    if (m[2] && !m[3] && method === 'POST') {
      if (!input.title) return { status: 400, body: { message: 'title is missing' } };
      const n = tickets.length + 1;
      const t = { id: String(n), key: `${opts.path}#${n}`, title: input.title, body: input.description ?? '', state: 'open' as const, labels: String(input.labels ?? '').split(',').filter(Boolean) };
      tickets.push(t);
      return { status: 201, body: issue(t) };
    }
    const t = m[3] ? tickets.find((x) => x.id === m[3]) : undefined;
    if (!t) return { status: 404, body: { message: '404 Not found' } };
    if (method === 'PUT') {
      if (input.title !== undefined) t.title = input.title;
      if (input.description !== undefined) t.body = input.description;
      if (input.state_event === 'close') t.state = 'closed';
      if (input.state_event === 'reopen') t.state = 'open';
      return { status: 200, body: issue(t) };
    }
    if (method === 'GET') return { status: 200, body: issue(t) };
    return { status: 404, body: { message: '404 Not found' } };
  });
}
