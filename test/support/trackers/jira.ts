import { startFakeServer, type FakeAnswer, type FakeTracker } from './server.ts';

/**
 * Jira Cloud's REST API v3 as jira.js uses it: GET /rest/api/3/project/{key}, POST
 * /rest/api/3/issue (labels among the fields), PUT /rest/api/3/issue/{key}, GET and POST
 * /rest/api/3/issue/{key}/transitions, GET /rest/api/3/search/jql (the JQL the client sends:
 * `project = "KEY" AND labels = "…"`, anything else a 400 as Jira's parser would answer an
 * unexpected query). Basic auth with email:api_token; the workflow is To Do → In Progress → Done
 * (transition 31), and a done issue goes back to To Do by transition 11.
 */
export function startFakeJira(opts: { email: string; apiToken: string; projectKey: string }): Promise<FakeTracker> {
  const TRANSITIONS = [
    { id: '11', name: 'To Do', to: { id: '10000', name: 'To Do', statusCategory: { id: 2, key: 'new', name: 'To Do' } } },
    { id: '21', name: 'In Progress', to: { id: '3', name: 'In Progress', statusCategory: { id: 4, key: 'indeterminate', name: 'In Progress' } } },
    { id: '31', name: 'Done', to: { id: '10001', name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } } },
  ];
  const expected = `Basic ${Buffer.from(`${opts.email}:${opts.apiToken}`).toString('base64')}`;
  return startFakeServer(({ method, path, headers, body, query }, tickets): FakeAnswer => {
    if (headers.authorization !== expected) return { status: 401, body: { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} } };
    const project = /^\/rest\/api\/3\/project\/([^/]+)$/.exec(path);
    if (project && method === 'GET') {
      if (project[1] !== opts.projectKey) return { status: 404, body: { errorMessages: [`No project could be found with key '${project[1]}'.`], errors: {} } };
      return { status: 200, body: { id: '10000', key: opts.projectKey, name: 'Website', self: 'https://jira.example/rest/api/3/project/10000' } };
    }
    if (path === '/rest/api/3/issue' && method === 'POST') {
      const fields = ((body ?? {}) as { fields?: Record<string, any> }).fields ?? {};
      if (fields.project?.key !== opts.projectKey) return { status: 400, body: { errorMessages: [], errors: { project: 'valid project is required' } } };
      if (!fields.summary) return { status: 400, body: { errorMessages: [], errors: { summary: 'You must specify a summary of the issue.' } } };
      if (fields.description?.type !== 'doc') return { status: 400, body: { errorMessages: [], errors: { description: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' } } };
      const n = tickets.length + 1;
      const key = `${opts.projectKey}-${n}`;
      tickets.push({ id: key, key, title: fields.summary, body: fields.description, state: 'open', labels: Array.isArray(fields.labels) ? fields.labels : [] });
      return { status: 201, body: { id: String(10000 + n), key, self: `https://jira.example/rest/api/3/issue/${10000 + n}` } };
    }
    if (path === '/rest/api/3/search/jql' && method === 'GET') {
      const jql = /^project = "([^"]+)" AND labels = "([^"]+)" ORDER BY created ASC$/.exec(query.get('jql') ?? '');
      if (!jql) return { status: 400, body: { errorMessages: [`Error in the JQL Query: ${query.get('jql')}`], errors: {} } };
      const found = tickets.filter((t) => jql[1] === opts.projectKey && t.labels?.includes(jql[2]!));
      const status = (t: (typeof tickets)[number]) =>
        t.state === 'closed' ? { name: 'Done', statusCategory: { id: 3, key: 'done', name: 'Done' } } : { name: 'To Do', statusCategory: { id: 2, key: 'new', name: 'To Do' } };
      return {
        status: 200,
        body: { issues: found.map((t) => ({ id: String(10000 + Number(t.key.split('-')[1])), key: t.key, self: `https://jira.example/rest/api/3/issue/${t.key}`, fields: { status: status(t) } })), isLast: true },
      };
    }
    const issue = /^\/rest\/api\/3\/issue\/([^/]+)(\/transitions)?$/.exec(path);
    const t = issue ? tickets.find((x) => x.key === issue[1]) : undefined;
    if (!issue || !t) return { status: 404, body: { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} } };
    if (!issue[2] && method === 'PUT') {
      const fields = ((body ?? {}) as { fields?: Record<string, any> }).fields ?? {};
      if (fields.summary !== undefined) t.title = fields.summary;
      if (fields.description !== undefined) t.body = fields.description;
      return { status: 204 };
    }
    if (issue[2] && method === 'GET') return { status: 200, body: { expand: 'transitions', transitions: TRANSITIONS } };
    if (issue[2] && method === 'POST') {
      const id = ((body ?? {}) as { transition?: { id?: string } }).transition?.id;
      const transition = TRANSITIONS.find((x) => x.id === id);
      if (!transition) return { status: 400, body: { errorMessages: ['Transition id is not valid for this issue.'], errors: {} } };
      t.state = transition.to.statusCategory.key === 'done' ? 'closed' : 'open';
      return { status: 204 };
    }
    return { status: 405, body: { errorMessages: ['Method not allowed'], errors: {} } };
  });
}
