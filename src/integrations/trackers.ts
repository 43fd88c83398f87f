import type { Tracker, TrackerCredentials } from './providers.ts';

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

export interface TrackerClient {
  /** A real, read-only call proving the credentials reach the configured project. */
  verify(): Promise<void>;
  create(content: TicketContent): Promise<TicketRef>;
  update(ticket: TicketRef, content: TicketContent): Promise<void>;
  close(ticket: TicketRef): Promise<void>;
}

export type TrackerErrorKind = 'auth' | 'not_found' | 'rejected' | 'unavailable';

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

/**
 * An AbortSignal that fires after `ms`, on an unref'd timer: AbortSignal.timeout() keeps its timer
 * ref'd while fetch listens to it, which holds a process (a test worker) open until it fires.
 */
function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms).unref();
  return controller.signal;
}

export async function createTrackerClient<T extends Tracker>(provider: T, credentials: TrackerCredentials[T], baseUrl: string): Promise<TrackerClient> {
  const secrets = Object.values(credentials as Record<string, unknown>).filter((v): v is string => typeof v === 'string' && v.length >= 8);
  const guard =
    <A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await fn(...args);
      } catch (err) {
        const status = provider === 'linear' ? linearStatus(err) : undefined;
        if (status) throw toTrackerError(provider, Object.assign(new Error(excerpt((err as Error).message)), { status }), what, secrets);
        throw toTrackerError(provider, err, what, secrets);
      }
    };
  const client = await loaders[provider](credentials as never, baseUrl);
  return {
    verify: guard('checking the credentials', client.verify),
    create: guard('creating a ticket', client.create),
    update: guard('updating a ticket', client.update),
    close: guard('closing a ticket', client.close),
  };
}

type Loader<T extends Tracker> = (credentials: TrackerCredentials[T], baseUrl: string) => Promise<TrackerClient>;

const loaders: { [T in Tracker]: Loader<T> } = {
  async github({ token, owner, repo }, baseUrl) {
    const { Octokit } = await import('@octokit/rest');
    const octokit = new Octokit({
      auth: token,
      baseUrl,
      userAgent: 'Sitewarden',
      // The SDK's own logging would print request failures to the console.
      log: { debug() {}, info() {}, warn() {}, error() {} },
      request: {
        // No redirects: a 3xx would carry the token to wherever it points.
        fetch: (url: string, init: RequestInit) => fetch(url, { ...init, redirect: 'manual', signal: deadline(REQUEST_TIMEOUT_MS) }),
      },
    });
    const numberOf = (ticket: TicketRef) => Number(ticket.externalId);
    return {
      async verify() {
        const { data } = await octokit.rest.repos.get({ owner, repo });
        if (data.has_issues === false) throw new TrackerError('rejected', `GitHub repository ${owner}/${repo} has issues turned off`);
      },
      async create({ title, body }) {
        const { data } = await octokit.rest.issues.create({ owner, repo, title, body });
        return { key: `${owner}/${repo}#${data.number}`, externalId: String(data.number), url: data.html_url ?? null };
      },
      async update(ticket, { title, body }) {
        await octokit.rest.issues.update({ owner, repo, issue_number: numberOf(ticket), title, body });
      },
      async close(ticket) {
        await octokit.rest.issues.update({ owner, repo, issue_number: numberOf(ticket), state: 'closed', state_reason: 'completed' });
      },
    };
  },

  async gitlab({ token, project_id: projectId }, baseUrl) {
    const { Gitlab } = await import('@gitbeaker/rest');
    const api = new Gitlab({ host: baseUrl, token, queryTimeout: REQUEST_TIMEOUT_MS });
    return {
      async verify() {
        const project = await api.Projects.show(projectId);
        if ((project as { issues_enabled?: boolean }).issues_enabled === false) throw new TrackerError('rejected', `GitLab project ${projectId} has issues turned off`);
      },
      async create({ title, body }) {
        const issue = await api.Issues.create(projectId, title, { description: body });
        return { key: `${excerpt(issue.references?.full ?? `${projectId}#${issue.iid}`, 300)}`, externalId: String(issue.iid), url: typeof issue.web_url === 'string' ? issue.web_url : null };
      },
      async update(ticket, { title, body }) {
        await api.Issues.edit(projectId, Number(ticket.externalId), { title, description: body });
      },
      async close(ticket) {
        await api.Issues.edit(projectId, Number(ticket.externalId), { stateEvent: 'close' });
      },
    };
  },

  async jira({ email, api_token: apiToken, project_key: projectKey, issue_type: issueType }, baseUrl) {
    const { createCloudClient } = await import('jira.js');
    const jira = createCloudClient({ host: baseUrl, auth: { type: 'basic', email, apiToken }, onSchemaMismatch: 'silent' });
    return {
      async verify() {
        await jira.projects.getProject({ projectIdOrKey: projectKey });
      },
      async create({ title, body }) {
        const created = await jira.issues.createIssue({
          fields: { project: { key: projectKey }, summary: title, description: toAdf(body), issuetype: { name: issueType ?? 'Task' } },
        });
        const key = String(created.key ?? '');
        if (!/^[A-Z][A-Z0-9_]*-\d+$/.test(key)) throw new TrackerError('rejected', `Jira answered an issue key that is not one: "${excerpt(key, 40)}"`);
        return { key, externalId: key, url: `${baseUrl.replace(/\/+$/, '')}/browse/${key}` };
      },
      async update(ticket, { title, body }) {
        await jira.issues.editIssue({ issueIdOrKey: ticket.externalId, fields: { summary: title, description: toAdf(body) } });
      },
      async close(ticket) {
        // Jira closes by a workflow transition, whose id each project's workflow chooses: the first
        // one leading into the "done" status category.
        const { transitions = [] } = await jira.issues.getTransitions({ issueIdOrKey: ticket.externalId });
        const done = transitions.find((t) => t.to?.statusCategory?.key === 'done');
        if (!done?.id) throw new TrackerError('rejected', `Jira offers no transition to a done status for ${ticket.key}`);
        await jira.issues.doTransition({ issueIdOrKey: ticket.externalId, transition: { id: done.id } });
      },
    };
  },

  async linear({ api_key: apiKey, team_id: teamId }, baseUrl) {
    const { LinearClient } = await import('@linear/sdk');
    const linear = new LinearClient({ apiKey, apiUrl: baseUrl, signal: deadline(REQUEST_TIMEOUT_MS * 10) } as ConstructorParameters<typeof LinearClient>[0]);
    return {
      async verify() {
        const team = await linear.team(teamId);
        if (!team?.id) throw new TrackerError('not_found', `Linear team ${teamId} was not found`);
      },
      async create({ title, body }) {
        const payload = await linear.createIssue({ teamId, title, description: body });
        const issue = payload.success ? await payload.issue : undefined;
        if (!issue?.id) throw new TrackerError('rejected', 'Linear did not create the issue');
        return { key: excerpt(issue.identifier ?? issue.id, 60), externalId: issue.id, url: typeof issue.url === 'string' ? issue.url : null };
      },
      async update(ticket, { title, body }) {
        const payload = await linear.updateIssue(ticket.externalId, { title, description: body });
        if (!payload.success) throw new TrackerError('rejected', `Linear did not update ${ticket.key}`);
      },
      async close(ticket) {
        const states = await linear.workflowStates({ filter: { team: { id: { eq: teamId } }, type: { eq: 'completed' } } });
        const done = states.nodes.sort((a, b) => a.position - b.position)[0];
        if (!done) throw new TrackerError('rejected', `Linear team ${teamId} has no completed workflow state`);
        const payload = await linear.updateIssue(ticket.externalId, { stateId: done.id });
        if (!payload.success) throw new TrackerError('rejected', `Linear did not close ${ticket.key}`);
      },
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
