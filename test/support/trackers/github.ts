import { startFakeServer, type FakeAnswer, type FakeTracker } from './server.ts';

/**
 * GitHub's REST API as @octokit/rest uses it for issues: GET /repos/{owner}/{repo},
 * POST /repos/{owner}/{repo}/issues (labels), GET /repos/{owner}/{repo}/issues (the list, filtered
 * by `labels` and `state`, sorted by `sort`/`direction`), PATCH /repos/{owner}/{repo}/issues/{number}
 * (`state` open or closed). A token other than `token` gets GitHub's 401; another repository, its 404;
 * `role` sets the repository's `permissions` the token's user has (write by default).
 */
export function startFakeGitHub(opts: { token: string; owner: string; repo: string; role?: 'write' | 'triage' | 'read' }): Promise<FakeTracker> {
  const fullName = `${opts.owner}/${opts.repo}`;
  return startFakeServer(({ method, path, headers, body, query }, tickets): FakeAnswer => {
    const auth = String(headers.authorization ?? '');
    if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) {
      return { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };
    }
    const m = /^\/repos\/([^/]+)\/([^/]+)(\/issues(?:\/(\d+))?)?$/.exec(path);
    if (!m || `${m[1]}/${m[2]}`.toLowerCase() !== fullName.toLowerCase()) return { status: 404, body: { message: 'Not Found', status: '404' } };
    const issue = (t: (typeof tickets)[number]) => ({
      id: 1000 + Number(t.id),
      number: Number(t.id),
      title: t.title,
      body: t.body,
      state: t.state,
      labels: (t.labels ?? []).map((name, i) => ({ id: i + 1, name, color: 'ededed', default: false })),
      html_url: `https://github.example/${fullName}/issues/${t.id}`,
    });
    if (!m[3] && method === 'GET') return { status: 200, body: { id: 1, name: opts.repo, full_name: fullName, has_issues: true, owner: { login: opts.owner }, permissions: { admin: false, maintain: false, push: (opts.role ?? 'write') === 'write', triage: opts.role !== 'read', pull: true } } };
    const input = (body ?? {}) as { title?: string; body?: string; state?: string; labels?: string[] };
    if (m[3] && !m[4] && method === 'GET') {
      const wanted = (query.get('labels') ?? '').split(',').filter(Boolean);
      const state = query.get('state') ?? 'open';
      const listed = tickets
        .filter((t) => wanted.every((label) => t.labels?.includes(label)) && (state === 'all' || t.state === state))
        .sort((a, b) => (query.get('direction') === 'asc' ? 1 : -1) * (Number(a.id) - Number(b.id)))
        .slice(0, Number(query.get('per_page') ?? 30));
      return { status: 200, body: listed.map(issue) };
    }
    if (m[3] && !m[4] && method === 'POST') {
      if (!input.title) return { status: 422, body: { message: 'Validation Failed', errors: [{ field: 'title', code: 'missing_field' }] } };
      const t = { id: String(tickets.length + 1), key: `${fullName}#${tickets.length + 1}`, title: input.title, body: input.body ?? '', state: 'open' as const, labels: input.labels ?? [] };
      tickets.push(t);
      return { status: 201, body: issue(t) };
    }
    const t = m[4] ? tickets.find((x) => x.id === m[4]) : undefined;
    if (!t) return { status: 404, body: { message: 'Not Found' } };
    if (method === 'PATCH') {
      if (input.title !== undefined) t.title = input.title;
      if (input.body !== undefined) t.body = input.body;
      if (input.state === 'closed' || input.state === 'open') t.state = input.state;
      return { status: 200, body: issue(t) };
    }
    if (method === 'GET') return { status: 200, body: issue(t) };
    return { status: 404, body: { message: 'Not Found' } };
  });
}
