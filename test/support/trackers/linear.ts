import { startFakeServer, type FakeAnswer, type FakeTicket, type FakeTracker } from './server.ts';

/**
 * Linear's GraphQL API as @linear/sdk uses it, by operation name: team, workflowStates (filtered by
 * team id and type), createIssue (issueCreate), updateIssue (issueUpdate, stateId closes or
 * reopens), issue, issues (filtered by team id and `description.contains`).
 * The API key goes bare in Authorization; a wrong one gets Linear's authentication error.
 */
export function startFakeLinear(opts: { apiKey: string; teamId: string; teamKey: string }): Promise<FakeTracker> {
  const STATES = [
    { id: 'state-backlog', name: 'Backlog', type: 'backlog', position: 0 },
    { id: 'state-todo', name: 'Todo', type: 'unstarted', position: 1 },
    { id: 'state-progress', name: 'In Progress', type: 'started', position: 2 },
    { id: 'state-done', name: 'Done', type: 'completed', position: 3 },
    { id: 'state-canceled', name: 'Canceled', type: 'canceled', position: 4 },
  ];
  const stateOf = new Map<string, string>();
  const now = new Date().toISOString();
  const team = { __typename: 'Team', id: opts.teamId, key: opts.teamKey, name: 'Web', createdAt: now, updatedAt: now };
  const issue = (t: FakeTicket) => ({
    __typename: 'Issue',
    id: t.id,
    identifier: t.key,
    number: Number(t.key.split('-')[1]),
    title: t.title,
    description: t.body,
    url: `https://linear.example/issue/${t.key}`,
    priority: 0,
    createdAt: now,
    updatedAt: now,
    team: { id: opts.teamId },
    state: { id: stateOf.get(t.id) ?? 'state-backlog' },
    completedAt: stateOf.get(t.id) === 'state-done' ? now : null,
    canceledAt: stateOf.get(t.id) === 'state-canceled' ? now : null,
    labelIds: [],
    previousIdentifiers: [],
    reactions: [],
    reactionData: {},
    sharedAccess: { isShared: false, sharedWithCount: 0, viewerHasOnlySharedAccess: false, disallowedIssueFields: [], sharedWithUsers: [] },
  });
  const errors = (status: number, message: string, type: string): FakeAnswer => ({
    status,
    body: { errors: [{ message, extensions: { type, code: type.toUpperCase().replace(/ /g, '_'), userPresentableMessage: message } }] },
  });
  return startFakeServer(({ method, path, headers, body }, tickets): FakeAnswer => {
    if (method !== 'POST' || path !== '/graphql') return { status: 404, body: { message: 'Not found' } };
    if (headers.authorization !== opts.apiKey) return errors(400, 'Authentication required, not authenticated', 'authentication error');
    const { query = '', variables = {} } = (body ?? {}) as { query?: string; variables?: Record<string, any> };
    const operation = /^\s*(?:query|mutation)\s+(\w+)/.exec(query)?.[1];
    switch (operation) {
      case 'team':
        return variables.id === opts.teamId ? { status: 200, body: { data: { team } } } : errors(200, 'Entity not found: Team', 'invalid input');
      case 'workflowStates': {
        const filter = variables.filter ?? {};
        const nodes = STATES.filter((s) => (!filter.type?.eq || s.type === filter.type.eq) && (!filter.team?.id?.eq || filter.team.id.eq === opts.teamId)).map((s) => ({
          __typename: 'WorkflowState',
          ...s,
          color: '#000',
          createdAt: now,
          updatedAt: now,
          team: { id: opts.teamId },
        }));
        return { status: 200, body: { data: { workflowStates: { nodes, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } } } } };
      }
      case 'createIssue': {
        const input = variables.input ?? {};
        if (input.teamId !== opts.teamId) return errors(200, 'Entity not found: Team', 'invalid input');
        if (!input.title) return errors(200, 'title must be a string', 'invalid input');
        const n = tickets.length + 1;
        const t: FakeTicket = { id: `issue-${n}-${opts.teamId}`, key: `${opts.teamKey}-${n}`, title: input.title, body: input.description ?? '', state: 'open' };
        tickets.push(t);
        return { status: 200, body: { data: { issueCreate: { __typename: 'IssuePayload', lastSyncId: n, success: true, issue: { id: t.id } } } } };
      }
      case 'updateIssue': {
        const t = tickets.find((x) => x.id === variables.id);
        if (!t) return errors(200, 'Entity not found: Issue', 'invalid input');
        const input = variables.input ?? {};
        if (input.title !== undefined) t.title = input.title;
        if (input.description !== undefined) t.body = input.description;
        if (input.stateId !== undefined) {
          const state = STATES.find((s) => s.id === input.stateId);
          if (!state) return errors(200, 'Entity not found: WorkflowState', 'invalid input');
          stateOf.set(t.id, state.id);
          t.state = state.type === 'completed' || state.type === 'canceled' ? 'closed' : 'open';
        }
        return { status: 200, body: { data: { issueUpdate: { __typename: 'IssuePayload', lastSyncId: 1, success: true, issue: { id: t.id } } } } };
      }
      case 'issues': {
        const filter = variables.filter ?? {};
        const contains = filter.description?.contains;
        if (filter.team?.id?.eq !== opts.teamId || typeof contains !== 'string') return errors(400, 'the fake answers issues filtered by team and description only', 'graphql error');
        const nodes = tickets.filter((t) => String(t.body).includes(contains)).map(issue);
        return { status: 200, body: { data: { issues: { nodes, pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } } } } };
      }
      case 'issue': {
        const t = tickets.find((x) => x.id === variables.id);
        return t ? { status: 200, body: { data: { issue: issue(t) } } } : errors(200, 'Entity not found: Issue', 'invalid input');
      }
      default:
        return errors(400, `Unknown operation ${operation ?? '(none)'}`, 'graphql error');
    }
  });
}
