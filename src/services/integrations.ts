import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError, type Client } from '@temporalio/client';
import type { Integration } from '../generated/prisma/client.ts';
import type { Resolver } from '../gather/safe-fetch.ts';
import type { HostAllowlist } from '../gather/ssrf/host-allowlist.ts';
import { openConnection, sealCredentials } from '../integrations/connection.ts';
import { checkTrackerBaseUrl } from '../integrations/guard.ts';
import { DEFAULT_BASE_URL, isTracker, PROVIDERS, TRACKER_CREDENTIALS, type Provider, type Tracker } from '../integrations/providers.ts';
import { createTrackerClient, TrackerError } from '../integrations/trackers.ts';
import type { Db } from '../platform/db.ts';
import { startOnce } from '../platform/temporal.ts';
import { runSearchAttributes, summary } from '../platform/search-attributes.ts';
import type { IntegrationSyncWorkflow } from '../workflows/integration-sync.ts';
import { kickoff } from './kickoff.ts';

interface Tenant {
  orgId: string;
  projectId: string;
}

/** A refusal: `invalid` is answered 422 invalid_params naming the field, `conflict` (the row's state) 409. */
export class IntegrationRefused extends Error {
  override name = 'IntegrationRefused';
  constructor(
    readonly field: string,
    message: string,
    readonly kind: 'invalid' | 'conflict' = 'invalid',
  ) {
    super(message);
  }
}

export const NOT_SUPPORTED_YET = 'not supported yet: Sitewarden pushes tasks to github, gitlab, jira and linear only';

/** Krafter's list: every provider, in its order, the project's row or null (a never-connected placeholder). */
export async function listIntegrations(prisma: Db, tenant: Tenant): Promise<Array<{ provider: Provider; row: Integration | null }>> {
  const rows = await prisma.integration.findMany({ where: { org_id: tenant.orgId, project_id: tenant.projectId } });
  const byProvider = new Map(rows.map((row) => [row.provider as Provider, row]));
  return PROVIDERS.map((provider) => ({ provider, row: byProvider.get(provider) ?? null }));
}

export interface ConnectDeps {
  allowlist: HostAllowlist;
  secret: string;
  resolve?: Resolver;
}

/**
 * POST integrations/:provider/connect: credentials checked by a real call to the provider (through
 * its SDK), then stored encrypted (upsert). A refused check stores nothing and leaves a connected
 * row as it was. A reconnect while a sync runs is refused: the sync holds the row.
 */
export async function connectIntegration(
  prisma: Db,
  deps: ConnectDeps,
  tenant: Tenant,
  provider: Provider,
  body: { credentials: Record<string, unknown>; base_url?: string | undefined },
): Promise<Integration> {
  if (!isTracker(provider)) throw new IntegrationRefused('provider', `${provider} ${NOT_SUPPORTED_YET}`);
  const parsed = TRACKER_CREDENTIALS[provider].safeParse(body.credentials);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.code === 'unrecognized_keys' ? `credentials.${issue.keys[0]}` : ['credentials', ...issue.path].join('.');
    throw new IntegrationRefused(path, issue.code === 'unrecognized_keys' ? 'is not a known field' : issue.message);
  }
  const wanted = body.base_url ?? DEFAULT_BASE_URL[provider];
  if (!wanted) throw new IntegrationRefused('base_url', `is required for ${provider} (your site, e.g. https://your-team.atlassian.net)`);
  const base = await checkTrackerBaseUrl(wanted, deps.allowlist, deps.resolve);
  if (!base.ok) throw new IntegrationRefused('base_url', base.reason);

  const client = await createTrackerClient(provider, parsed.data as never, base.url, { allowlist: deps.allowlist, resolve: deps.resolve });
  try {
    await client.verify();
  } catch (err) {
    if (err instanceof TrackerError) throw new IntegrationRefused(err.kind === 'unavailable' || err.kind === 'blocked' ? 'base_url' : 'credentials', err.message);
    throw err;
  } finally {
    await client.dispose();
  }

  const scope = { org_id: tenant.orgId, project_id: tenant.projectId, provider };
  const existing = await prisma.integration.findUnique({ where: { org_id_project_id_provider: scope } });
  if (existing?.status === 'syncing') throw new IntegrationRefused('provider', `${provider} is syncing: connect again once the sync ends`, 'conflict');
  const id = existing?.id ?? randomUUID();
  const data = {
    status: 'connected' as const,
    credentials_encrypted: sealCredentials(id, parsed.data, deps.secret),
    base_url: body.base_url === undefined ? null : base.url,
    last_error: null,
  };
  // Tickets recorded for another tracker site or project mean nothing to the new one: a re-sync
  // would update ids that are not there. The same target (a rotated token) keeps them.
  const retarget = existing !== null && targetOf(existing, deps.secret) !== target(provider, parsed.data, base.url);
  // The unique (org, project, provider) decides a race of two first connects: one insert, one update.
  const [row] = await prisma.$transaction([
    prisma.integration.upsert({ where: { org_id_project_id_provider: scope }, create: { id, ...scope, ...data }, update: data }),
    ...(retarget ? [prisma.integrationTicket.deleteMany({ where: { integration_id: id } })] : []),
  ]);
  return row;
}

/** Where an integration's tickets live: the API base and the project inside it. */
function target(provider: Tracker, credentials: Record<string, unknown>, baseUrl: string): string {
  const { token: _t, api_token: _j, api_key: _l, email: _e, ...where } = credentials;
  return JSON.stringify([provider, baseUrl, Object.entries(where).sort()]);
}

function targetOf(row: Integration, secret: string): string | null {
  try {
    const connection = openConnection(row, secret);
    return target(connection.provider, connection.credentials as Record<string, unknown>, connection.baseUrl.replace(/\/+$/, ''));
  } catch {
    return null; // unreadable: treat as another target
  }
}

export const integrationSyncWorkflowId = (integrationId: string) => `integration-sync-${integrationId}`;

export function startIntegrationSync(temporal: Client, taskQueue: string, integration: Pick<Integration, 'id' | 'org_id' | 'project_id' | 'provider'>): Promise<void> {
  return startOnce(() => startSyncWorkflow(temporal, taskQueue, integration));
}

function startSyncWorkflow(temporal: Client, taskQueue: string, integration: Pick<Integration, 'id' | 'org_id' | 'project_id' | 'provider'>) {
  return temporal.workflow.start<typeof IntegrationSyncWorkflow>('IntegrationSyncWorkflow', {
    taskQueue,
    workflowId: integrationSyncWorkflowId(integration.id),
    args: [{ integrationId: integration.id }],
    typedSearchAttributes: runSearchAttributes({ orgId: integration.org_id, projectId: integration.project_id, trigger: 'manual' }),
    staticSummary: summary(`Push the open tasks of project ${integration.project_id} to ${integration.provider}`),
  });
}

/**
 * Starts the sync of a row this request turned `syncing` from `connected` or `error`. A sync's last
 * step sets that state, so a run still open under the id then is only closing (its last workflow
 * task not yet completed): it would do no further pass, and taking it for this request's (as
 * startOnce does) left the row `syncing` for good. That run's end is awaited (within the kickoff's
 * start deadline), then this request's run starts; a run another request started meanwhile is
 * taken as this one's.
 */
async function startAfterClosingRun(temporal: Client, taskQueue: string, integration: Pick<Integration, 'id' | 'org_id' | 'project_id' | 'provider'>): Promise<void> {
  try {
    await startSyncWorkflow(temporal, taskQueue, integration);
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    // Its outcome is in the row already; only its end matters here.
    await temporal.workflow
      .getHandle(integrationSyncWorkflowId(integration.id))
      .result()
      .catch((closed: unknown) => {
        if (closed instanceof WorkflowFailedError) return;
        throw closed;
      });
    await startIntegrationSync(temporal, taskQueue, integration);
  }
}

/**
 * POST integrations/:provider/sync: the row turns `syncing` and the sync workflow starts (one per
 * integration: its id is the integration's). Asked again while it runs, it answers the same row
 * and starts nothing new; a row left `syncing` by an API that died before the start is started now.
 */
export async function requestIntegrationSync(prisma: Db, temporal: Client, taskQueue: string, tenant: Tenant, provider: Provider): Promise<Integration> {
  if (!isTracker(provider)) throw new IntegrationRefused('provider', `${provider} sync is ${NOT_SUPPORTED_YET}`);
  const scope = { org_id: tenant.orgId, project_id: tenant.projectId, provider };
  const current = await prisma.integration.findUnique({ where: { org_id_project_id_provider: scope } });
  if (!current || current.status === 'disconnected' || !current.credentials_encrypted) {
    throw new IntegrationRefused('provider', `${provider} is not connected: POST integrations/${provider}/connect first`, 'conflict');
  }
  const workflowId = integrationSyncWorkflowId(current.id);
  if (current.status === 'syncing') {
    await startIntegrationSync(temporal, taskQueue, current);
    return current;
  }
  let turnedSyncing = false;
  return kickoff(prisma, temporal, {
    write: async (tx) => {
      // Conditional: of two requests at once, both end up starting the one workflow id (startOnce).
      const { count } = await tx.integration.updateMany({ where: { id: current.id, status: { in: ['connected', 'error'] } }, data: { status: 'syncing', last_error: null } });
      turnedSyncing = count > 0;
      return tx.integration.findUniqueOrThrow({ where: { id: current.id } });
    },
    workflowId,
    start: () => (turnedSyncing ? startAfterClosingRun(temporal, taskQueue, current) : startIntegrationSync(temporal, taskQueue, current)),
    compensate: (tx) => tx.integration.updateMany({ where: { id: current.id, status: 'syncing' }, data: { status: 'error', last_error: 'the sync could not be started' } }),
    notStartedMessage: 'The sync could not be started; try again shortly',
  });
}
