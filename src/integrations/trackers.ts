import type { Tracker, TrackerCredentials } from './providers.ts';
import { createTrackerTransport, deadline, type TrackerTransport, type TransportGuard } from './transport.ts';

/**
 * One client per tracker, each through the provider's official SDK: @octokit/rest, @gitbeaker/rest,
 * jira.js, @linear/sdk. They are large, so loaded on first use: neither the API nor the main worker
 * pays for them until an integration is used.
 */

// Loaded with import(), which tsc (module nodenext) and tsx keep as a real dynamic import: three of
// the SDKs are ESM-only, and jira.js exports an "import" condition only, so require() cannot load it.

export interface TicketContent {
  title: string;
  /** Markdown (GitHub, GitLab, Linear); converted to Atlassian document format for Jira. */
  body: string;
}

export interface TicketRef {
  /** What a person reads: `owner/repo#12`, `group/project#4`, `WEB-7`, `ENG-31`. */
  key: string;
  /** What the API addresses: the issue number, iid, key or id. */
  externalId: string;
  url: string | null;
}

/** A ticket found by its marker, with its state in the tracker. */
export interface FoundTicket extends TicketRef {
  state: 'open' | 'closed';
}

export interface TrackerClient {
  /** A real, read-only call proving the credentials reach the configured project. */
  verify(): Promise<void>;
  /**
   * The ticket already carrying the task's marker (see ticketMarker), if the tracker has one: a
   * create whose answer was lost is found here instead of being made again. The oldest wins.
   */
  find(taskId: string): Promise<FoundTicket | null>;
  /** Creates the ticket, carrying the task's marker. */
  create(content: TicketContent, taskId: string): Promise<TicketRef>;
  update(ticket: TicketRef, content: TicketContent): Promise<void>;
  close(ticket: TicketRef): Promise<void>;
  /** Back to an open state: GitHub/GitLab open, Jira a "To Do" (else "In Progress") status, Linear an unstarted (else started) state. */
  reopen(ticket: TicketRef): Promise<void>;
  /** Closes the client's connections. */
  dispose(): Promise<void>;
}

/**
 * The idempotency marker a ticket carries: a label on GitHub, GitLab (`sitewarden:<task id>`) and
 * Jira (`sitewarden-<task id>`, kept to letters, digits and hyphens), and in Linear the body's
 * closing line `task <task id>` (its labels must exist beforehand, so it is searched by text).
 */
export const ticketMarker = {
  label: (taskId: string) => `sitewarden:${taskId}`,
  jiraLabel: (taskId: string) => `sitewarden-${taskId}`,
  text: (taskId: string) => `task ${taskId}`,
};

export type TrackerErrorKind = 'auth' | 'not_found' | 'rejected' | 'blocked' | 'unavailable';

/**
 * A tracker call that failed, with a message safe to show and store: the status and a bounded,
 * printable excerpt of what the provider said, never a credential.
 */
export class TrackerError extends Error {
  override name = 'TrackerError';
  constructor(
    readonly kind: TrackerErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
  /** A retry cannot fix refused credentials, a missing project, or a refused request. */
  get permanent(): boolean {
    return this.kind !== 'unavailable';
  }
}

const PROVIDER_NAME: Record<Tracker, string> = { github: 'GitHub', gitlab: 'GitLab', jira: 'Jira', linear: 'Linear' };

/** Printable, one line, bounded: provider answers are attacker-controlled when base_url is. */
export function excerpt(text: unknown, max = 200): string {
  const flat = String(text ?? '').replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function statusOf(err: unknown): number | undefined {
  const e = Object(err) as { status?: unknown; response?: { status?: unknown }; cause?: { response?: { status?: unknown } } };
  for (const candidate of [e.status, e.response?.status, e.cause?.response?.status]) {
    if (typeof candidate === 'number' && candidate >= 100 && candidate < 600) return candidate;
  }
  return undefined;
}

/** Any SDK's failure as a TrackerError, by HTTP status (every SDK exposes it one way or another). */
export function toTrackerError(provider: Tracker, err: unknown, what: string, secrets: readonly string[] = []): TrackerError {
  if (err instanceof TrackerError) return err;
  const name = PROVIDER_NAME[provider];
  const status = statusOf(err);
  let detail = excerpt((err as Error)?.message ?? err);
  for (const secret of secrets) if (secret) detail = detail.split(secret).join('[redacted]');
  if (status === 401 || status === 403) return new TrackerError('auth', `${name} refused the credentials (HTTP ${status}) while ${what}`, status);
  if (status === 404) return new TrackerError('not_found', `${name} answered 404 while ${what}: the project does not exist or the credentials cannot see it`, status);
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new TrackerError('rejected', `${name} refused the request (HTTP ${status}) while ${what}: ${detail}`, status);
  }
  const where = status === undefined ? '' : ` (HTTP ${status})`;
  return new TrackerError('unavailable', `${name} could not be reached${where} while ${what}: ${detail}`, status);
}

/** GraphQL answers errors in the body: Linear's SDK names the kind (its HTTP status may be a plain 400). */
function linearStatus(err: unknown): number | undefined {
  const type = String((Object(err) as { type?: unknown }).type ?? '');
  if (type === 'AuthenticationError') return 401;
  if (type === 'Forbidden') return 403;
  if (type === 'Ratelimited') return 429;
  if (/entity not found|not found/i.test(String((err as Error)?.message))) return 404;
  return undefined;
}

/** Connections are made per activity run; requests past this are abandoned (the activity retries). */
const REQUEST_TIMEOUT_MS = 20_000;

type SdkClient = Omit<TrackerClient, 'dispose'>;

/**
 * A client for one tracker through its SDK, every request over a transport whose connections pass
 * the SSRF guard at connect time (transport.ts): `guard` is the scan targets' allowlist and the
 * resolver. Dispose of it when done: it holds a connection pool.
 */
export async function createTrackerClient<T extends Tracker>(provider: T, credentials: TrackerCredentials[T], baseUrl: string, guard: TransportGuard): Promise<TrackerClient> {
  const secrets = Object.values(credentials as Record<string, unknown>).filter((v): v is string => typeof v === 'string' && v.length >= 8);
  const transport = createTrackerTransport(guard, REQUEST_TIMEOUT_MS);
  const guarded =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      transport.takeRefusal();
      try {
        return await transport.scope(() => fn(...args));
      } catch (err) {
        // The guard refused the address the name resolves to now: nothing was sent, and a retry
        // would meet the same answer until DNS or the allowlist changes.
        const refusal = transport.takeRefusal();
        if (refusal) throw new TrackerError('blocked', `${PROVIDER_NAME[provider]} was not called while ${what}: ${excerpt(refusal, 300)}`);
        const status = provider === 'linear' ? linearStatus(err) : undefined;
        if (status) throw toTrackerError(provider, Object.assign(new Error(excerpt((err as Error).message)), { status }), what, secrets);
        throw toTrackerError(provider, err, what, secrets);
      }
    };
  let client: SdkClient;
  try {
    client = await loaders[provider](credentials as never, baseUrl, transport);
  } catch (err) {
    await transport.close();
    throw err;
  }
  return {
    verify: guarded('checking the credentials', client.verify),
    find: guarded('looking for a ticket already made', client.find),
    create: guarded('creating a ticket', client.create),
    update: guarded('updating a ticket', client.update),
    close: guarded('closing a ticket', client.close),
    reopen: guarded('reopening a ticket', client.reopen),
    dispose: () => transport.close(),
  };
}

type Loader<T extends Tracker> = (credentials: TrackerCredentials[T], baseUrl: string, transport: TrackerTransport) => Promise<SdkClient>;

/** The oldest of several tickets carrying one marker (two made before this search existed, or by hand). */
const oldest = <X>(items: X[], order: (x: X) => number): X | undefined => [...items].sort((a, b) => order(a) - order(b))[0];

const loaders: { [T in Tracker]: Loader<T> } = {
  async github({ token, owner, repo }, baseUrl, transport) {
    const { Octokit } = await import('@octokit/rest');
    const octokit = new Octokit({
      auth: token,
      baseUrl,
      userAgent: 'Sitewarden',
      // The SDK's own logging would print request failures to the console.
      log: { debug() {}, info() {}, warn() {}, error() {} },
      // Guarded connections; no redirects (a 3xx would carry the token to wherever it points).
      request: { fetch: transport.fetch },
    });
    const numberOf = (ticket: TicketRef) => Number(ticket.externalId);
    const refOf = (issue: { number: number; html_url?: string | null }): TicketRef => ({ key: `${owner}/${repo}#${issue.number}`, externalId: String(issue.number), url: issue.html_url ?? null });
    return {
      async verify() {
        const { data } = await octokit.rest.repos.get({ owner, repo });
        if (data.has_issues === false) throw new TrackerError('rejected', `GitHub repository ${owner}/${repo} has issues turned off`);
        // GitHub drops the labels of a create silently for a token that may not set them, and
        // making a new label takes write access: the ticket would lack its marker, and a lost
        // answer could make a second one.
        const p = data.permissions;
        if (p && !(p.admin || p.maintain || p.push)) {
          throw new TrackerError('rejected', `the token cannot label issues in GitHub repository ${owner}/${repo}: it needs write access (each ticket carries a new sitewarden:<task id> label)`);
        }
      },
      async find(taskId) {
        // Listing by label reads the database (the search API's index lags behind a create).
        const { data } = await octokit.rest.issues.listForRepo({ owner, repo, labels: ticketMarker.label(taskId), state: 'all', sort: 'created', direction: 'asc', per_page: 10 });
        const issue = oldest(
          data.filter((i) => !i.pull_request),
          (i) => i.number,
        );
        return issue ? { ...refOf(issue), state: issue.state === 'closed' ? 'closed' : 'open' } : null;
      },
      async create({ title, body }, taskId) {
        const { data } = await octokit.rest.issues.create({ owner, repo, title, body, labels: [ticketMarker.label(taskId)] });
        return refOf(data);
      },
      async update(ticket, { title, body }) {
        await octokit.rest.issues.update({ owner, repo, issue_number: numberOf(ticket), title, body });
      },
      async close(ticket) {
        await octokit.rest.issues.update({ owner, repo, issue_number: numberOf(ticket), state: 'closed', state_reason: 'completed' });
      },
      async reopen(ticket) {
        await octokit.rest.issues.update({ owner, repo, issue_number: numberOf(ticket), state: 'open', state_reason: 'reopened' });
      },
    };
  },

  async gitlab({ token, project_id: projectId }, baseUrl, transport) {
    const { Gitlab } = await import('@gitbeaker/rest');
    // `agent` is handed to Node's fetch as its dispatcher: the guarded one.
    // (typed as http.Agent, from gitbeaker's older Node transport; it only passes it on.)
    const api = new Gitlab({ host: baseUrl, token, queryTimeout: REQUEST_TIMEOUT_MS, agent: transport.dispatcher as never });
    const refOf = (issue: { iid: number; references?: { full?: string } | null; web_url?: unknown }): TicketRef => ({
      key: excerpt(issue.references?.full ?? `${projectId}#${issue.iid}`, 300),
      externalId: String(issue.iid),
      url: typeof issue.web_url === 'string' ? issue.web_url : null,
    });
    return {
      async verify() {
        const project = await api.Projects.show(projectId);
        if ((project as { issues_enabled?: boolean }).issues_enabled === false) throw new TrackerError('rejected', `GitLab project ${projectId} has issues turned off`);
      },
      async find(taskId) {
        // Filtering by label reads the database; no state filter: closed tickets count too.
        const issues = await api.Issues.all({ projectId, labels: ticketMarker.label(taskId), scope: 'all', orderBy: 'created_at', sort: 'asc', perPage: 10, maxPages: 1 });
        const issue = oldest(issues, (i) => i.iid);
        return issue ? { ...refOf(issue), state: issue.state === 'closed' ? 'closed' : 'open' } : null;
      },
      async create({ title, body }, taskId) {
        const issue = await api.Issues.create(projectId, title, { description: body, labels: ticketMarker.label(taskId) });
        return refOf(issue);
      },
      async update(ticket, { title, body }) {
        await api.Issues.edit(projectId, Number(ticket.externalId), { title, description: body });
      },
      async close(ticket) {
        await api.Issues.edit(projectId, Number(ticket.externalId), { stateEvent: 'close' });
      },
      async reopen(ticket) {
        await api.Issues.edit(projectId, Number(ticket.externalId), { stateEvent: 'reopen' });
      },
    };
  },

  async jira({ email, api_token: apiToken, project_key: projectKey, issue_type: issueType }, baseUrl) {
    // jira.js takes no fetch and no dispatcher: it calls the global fetch, which the client's
    // transport routes for the duration of each call (TrackerTransport.scope).
    const { createCloudClient } = await import('jira.js');
    const jira = createCloudClient({ host: baseUrl, auth: { type: 'basic', email, apiToken }, onSchemaMismatch: 'silent' });
    const site = baseUrl.replace(/\/+$/, '');
    const checkedKey = (raw: unknown) => {
      const key = String(raw ?? '');
      if (!/^[A-Z][A-Z0-9_]*-\d+$/.test(key)) throw new TrackerError('rejected', `Jira answered an issue key that is not one: "${excerpt(key, 40)}"`);
      return key;
    };
    /** Jira moves an issue by a workflow transition, whose ids each project's workflow chooses: the first into one of `categories`, in order. */
    const transition = async (ticket: TicketRef, categories: string[], what: string) => {
      const { transitions = [] } = await jira.issues.getTransitions({ issueIdOrKey: ticket.externalId });
      const to = categories.map((category) => transitions.find((t) => t.to?.statusCategory?.key === category)).find(Boolean);
      if (!to?.id) throw new TrackerError('rejected', `Jira offers no transition to ${what} for ${ticket.key}`);
      await jira.issues.doTransition({ issueIdOrKey: ticket.externalId, transition: { id: to.id } });
    };
    return {
      async verify() {
        await jira.projects.getProject({ projectIdOrKey: projectKey });
      },
      async find(taskId) {
        // JQL search (GET /rest/api/3/search/jql): Jira's index may lag a create by a moment.
        const { issues = [] } = await jira.issueSearch.searchAndReconsileIssuesUsingJql({
          jql: `project = "${projectKey}" AND labels = "${ticketMarker.jiraLabel(taskId)}" ORDER BY created ASC`,
          fields: ['status'],
          maxResults: 10,
        });
        const issue = oldest(issues, (i) => Number(i.id));
        if (!issue) return null;
        const key = checkedKey(issue.key);
        const category = (issue.fields as { status?: { statusCategory?: { key?: string } } } | undefined)?.status?.statusCategory?.key;
        return { key, externalId: key, url: `${site}/browse/${key}`, state: category === 'done' ? 'closed' : 'open' };
      },
      async create({ title, body }, taskId) {
        const created = await jira.issues.createIssue({
          fields: { project: { key: projectKey }, summary: title, description: toAdf(body), issuetype: { name: issueType ?? 'Task' }, labels: [ticketMarker.jiraLabel(taskId)] },
        });
        const key = checkedKey(created.key);
        return { key, externalId: key, url: `${site}/browse/${key}` };
      },
      async update(ticket, { title, body }) {
        await jira.issues.editIssue({ issueIdOrKey: ticket.externalId, fields: { summary: title, description: toAdf(body) } });
      },
      close: (ticket) => transition(ticket, ['done'], 'a done status'),
      // "To Do" first, else "In Progress": whichever the workflow offers from where it is.
      reopen: (ticket) => transition(ticket, ['new', 'indeterminate'], 'an open status'),
    };
  },

  async linear({ api_key: apiKey, team_id: teamId }, baseUrl, transport) {
    const { LinearClient } = await import('@linear/sdk');
    // Options past the API's own go into each fetch's init: the guarded dispatcher rides along.
    const linear = new LinearClient({ apiKey, apiUrl: baseUrl, signal: deadline(REQUEST_TIMEOUT_MS * 10), dispatcher: transport.dispatcher } as ConstructorParameters<typeof LinearClient>[0]);
    const refOf = (issue: { id: string; identifier?: string | null; url?: unknown }): TicketRef => ({
      key: excerpt(issue.identifier ?? issue.id, 60),
      externalId: issue.id,
      url: typeof issue.url === 'string' ? issue.url : null,
    });
    /** The team's first workflow state of the first of `types` that has one (by position). */
    const stateOf = async (types: string[]) => {
      for (const type of types) {
        const states = await linear.workflowStates({ filter: { team: { id: { eq: teamId } }, type: { eq: type } } });
        const first = states.nodes.sort((a, b) => a.position - b.position)[0];
        if (first) return first;
      }
      return undefined;
    };
    const move = async (ticket: TicketRef, types: string[], verb: string) => {
      const state = await stateOf(types);
      if (!state) throw new TrackerError('rejected', `Linear team ${teamId} has no ${types.join(' or ')} workflow state`);
      const payload = await linear.updateIssue(ticket.externalId, { stateId: state.id });
      if (!payload.success) throw new TrackerError('rejected', `Linear did not ${verb} ${ticket.key}`);
    };
    return {
      async verify() {
        const team = await linear.team(teamId);
        if (!team?.id) throw new TrackerError('not_found', `Linear team ${teamId} was not found`);
      },
      async find(taskId) {
        // Linear's labels must exist before an issue takes one: the marker is the body's closing line.
        const found = await linear.issues({ filter: { team: { id: { eq: teamId } }, description: { contains: ticketMarker.text(taskId) } }, includeArchived: true, first: 10 });
        const issue = oldest(found.nodes, (i) => i.number);
        return issue ? { ...refOf(issue), state: issue.completedAt || issue.canceledAt ? 'closed' : 'open' } : null;
      },
      async create({ title, body }) {
        const payload = await linear.createIssue({ teamId, title, description: body });
        const issue = payload.success ? await payload.issue : undefined;
        if (!issue?.id) throw new TrackerError('rejected', 'Linear did not create the issue');
        return refOf(issue);
      },
      async update(ticket, { title, body }) {
        const payload = await linear.updateIssue(ticket.externalId, { title, description: body });
        if (!payload.success) throw new TrackerError('rejected', `Linear did not update ${ticket.key}`);
      },
      close: (ticket) => move(ticket, ['completed'], 'close'),
      reopen: (ticket) => move(ticket, ['unstarted', 'started'], 'reopen'),
    };
  },
};

/** Markdown-ish text as an Atlassian document (Jira Cloud REST v3 takes descriptions only so): a paragraph per block. */
export function toAdf(text: string) {
  const paragraphs = text.split(/\n{2,}/).map((block) => block.trim()).filter(Boolean);
  return {
    type: 'doc',
    version: 1,
    content: paragraphs.map((block) => ({
      type: 'paragraph',
      content: block.split('\n').flatMap((line, i) => [...(i > 0 ? [{ type: 'hardBreak' }] : []), ...(line ? [{ type: 'text', text: line }] : [])]),
    })),
  };
}
