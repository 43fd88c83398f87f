import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject, type ZodOpenApiResponseObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { ERROR_STATUS, type ErrorCode } from './errors.ts';
import { crawlListQuery, crawlPageListQuery, crawlPageSchema, crawlSchema, runCrawlBody } from './schemas/crawls.ts';
import { PROVIDERS } from '../integrations/providers.ts';
import {
  bulkEditFindingsBody,
  connectIntegrationBody,
  createChannelBody,
  createProjectBody,
  updateProjectBody,
  createScheduleBody,
  createTaskBody,
  deliveryListQuery,
  editFindingBody,
  exportReportBody,
  findingEventListQuery,
  findingListQuery,
  projectListQuery,
  replacePolicyBody,
  reportListQuery,
  reportSummaryQuery,
  runScanBody,
  runVerificationBody,
  scanListQuery,
  scheduleListQuery,
  shareReportBody,
  siteAuthBody,
  taskListQuery,
  testPolicyBody,
  updateScheduleBody,
  updateTaskBody,
  verificationListQuery,
} from './schemas/requests.ts';
import {
  bulkEditResultSchema,
  channelSchema,
  commandCenterSchema,
  connectedIntegrationSchema,
  integrationListSchema,
  createdChannelSchema,
  deliverySchema,
  dataEnvelope,
  errorCodeSchema,
  errorEnvelope,
  findingDetailSchema,
  findingEventSchema,
  findingSchema,
  healthSchema,
  listEnvelope,
  meSchema,
  policySchema,
  policySimulationSchema,
  projectSchema,
  rateLimitedSchema,
  readinessSchema,
  reportEvidenceSchema,
  reportSchema,
  reportShareSchema,
  reportSummarySchema,
  scanRunDetailSchema,
  scanRunSchema,
  scheduleDetailSchema,
  scheduleSchema,
  signingKeySchema,
  siteAuthSchema,
  taskSchema,
  verificationSchema,
} from './schemas/responses.ts';

/**
 * The OpenAPI 3.1 document, generated from the zod schemas the routes parse requests with
 * (schemas/requests.ts) and the response schemas (schemas/responses.ts). Every route Express
 * registers has an operation here and nothing else does (test/unit/openapi-routes.test.ts).
 */

export const AUDIT_PATH = '/api/v1/orgs/{org_id}/projects/{project_id}/audit';

/** Docs assets served by GET /docs/assets/{file} (routes/docs.ts): the only files it serves. */
export const DOCS_ASSETS = ['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'init.js', 'favicon-32x32.png'] as const;

const ref = (kind: 'headers' | 'responses', name: string) => ({ $ref: `#/components/${kind}/${name}` });

const REQUEST_ID_HEADER = { 'x-request-id': ref('headers', 'RequestId') };
const RATE_HEADERS = {
  ...REQUEST_ID_HEADER,
  'x-ratelimit-limit': ref('headers', 'RateLimitLimit'),
  'x-ratelimit-remaining': ref('headers', 'RateLimitRemaining'),
  'x-ratelimit-reset': ref('headers', 'RateLimitReset'),
};

const ERROR_DESCRIPTIONS: Record<ErrorCode, string> = {
  bad_request: 'The body is not JSON, not an object, or malformed (every audit route parses a JSON body when one is sent)',
  unauthorized: 'Missing, malformed, unknown, revoked or expired API key',
  forbidden: "The key's scope does not allow this route",
  not_found: "Not found: also another org's ids, a project not in the key's org, and malformed ids, so existence is never confirmed",
  conflict: 'The change is not allowed in the current state',
  payload_too_large: 'Body over 256 KB',
  unsupported_media_type: 'Unsupported body encoding or charset',
  invalid_params: 'Query or body failed validation; `error.details` maps each field to its messages',
  quota_exceeded: "The org's AI quota for the period is spent (with `retry-after`); nothing was written",
  internal: 'Unexpected server error (logged with the request id)',
  unavailable: 'Try again shortly (`retry-after`): Temporal could not take the workflow or did not confirm it in time, or the database stayed busy past the wait for a connection',
};

const ERROR_EXAMPLES: Partial<Record<ErrorCode, unknown>> = {
  invalid_params: { url: ['host is in a private or reserved address range (loopback)'] },
  quota_exceeded: { limit: 10, period: 'month', reset_at: '2026-12-01T00:00:00.000Z' },
};

type Flavour = 'audit' | 'keyed' | 'public';

const errorResponseCache = new Map<string, ZodOpenApiResponseObject>();

/** Registered once per code and flavour (components.responses), referenced by every operation. */
function errorResponse(code: ErrorCode, flavour: Flavour): ZodOpenApiResponseObject {
  const id = `${code}${flavour === 'public' || code === 'unauthorized' || code === 'internal' ? '' : '_rate_limited'}`;
  let response = errorResponseCache.get(id);
  if (!response) errorResponseCache.set(id, (response = makeErrorResponse(code, flavour, id)));
  return response;
}

function makeErrorResponse(code: ErrorCode, flavour: Flavour, id: string): ZodOpenApiResponseObject {
  // x-ratelimit-* are set by the rate bucket, which runs after authentication.
  const headers = flavour === 'public' || code === 'unauthorized' || code === 'internal' ? REQUEST_ID_HEADER : RATE_HEADERS;
  return {
    id,
    description: ERROR_DESCRIPTIONS[code],
    headers: code === 'quota_exceeded' || code === 'unavailable' ? { ...headers, 'retry-after': ref('headers', 'RetryAfter') } : headers,
    content: {
      'application/json': {
        schema: errorEnvelope(code),
        example: {
          data: null,
          meta: { request_id: 'F-mxbAQk6m9lXeQAAATj' },
          error: { code, message: ERROR_DESCRIPTIONS[code], ...(ERROR_EXAMPLES[code] ? { details: ERROR_EXAMPLES[code] } : {}) },
        },
      },
    },
  };
}

/** Statuses → responses; two codes never share a status except 429 (rate limit, AI quota). */
function errorResponses(codes: ErrorCode[], flavour: Flavour): ZodOpenApiResponsesObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const code of codes) responses[`${ERROR_STATUS[code]}`] = errorResponse(code, flavour);
  if (flavour !== 'public') {
    const quota = codes.includes('quota_exceeded');
    responses['429'] = {
      description: quota ? 'The rate bucket is spent (flat body), or the AI quota is (error envelope)' : 'The rate bucket is spent (flat body, Krafter\'s)',
      headers: { ...RATE_HEADERS, 'retry-after': ref('headers', 'RetryAfter') },
      content: { 'application/json': { schema: quota ? z.union([rateLimitedSchema, errorEnvelope('quota_exceeded')]) : rateLimitedSchema } },
    };
  }
  return responses;
}

function ok(status: number, description: string, schema: z.ZodType, flavour: Flavour): ZodOpenApiResponsesObject {
  return { [`${status}`]: { description, headers: flavour === 'public' ? REQUEST_ID_HEADER : RATE_HEADERS, content: { 'application/json': { schema } } } };
}

const orgProjectParams = {
  org_id: z.uuid().meta({ description: "The key's org" }),
  project_id: z.string().max(64).meta({ description: 'A project of the org', example: 'production-website' }),
};
const idParam = (description: string) => z.uuid().meta({ description: `${description}; a malformed id is a 404` });

interface AuditOperation {
  tag: string;
  summary: string;
  description?: string;
  scope: 'audit:read' | 'audit:write';
  params?: Record<string, z.ZodType>;
  query?: z.ZodObject;
  body?: z.ZodType;
  ok: ZodOpenApiResponsesObject;
  /** Beyond those every audit route can answer. */
  errors?: ErrorCode[];
}

function audit(op: AuditOperation): ZodOpenApiOperationObject {
  const validates = op.query !== undefined || op.body !== undefined;
  const codes: ErrorCode[] = [
    'bad_request',
    'unauthorized',
    'forbidden',
    'not_found',
    'payload_too_large',
    'unsupported_media_type',
    ...(validates ? (['invalid_params'] as const) : []),
    ...(op.errors ?? []).filter((code) => code !== 'unavailable'),
    'internal',
    // Every audit route: the database stayed busy past the wait for a connection (retry-after: 1).
    'unavailable',
  ];
  return {
    tags: [op.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    'x-required-scope': op.scope,
    security: [{ apiKey: [] }],
    requestParams: { path: z.object({ ...orgProjectParams, ...op.params }), ...(op.query ? { query: op.query } : {}) },
    ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: op.body } } } } : {}),
    responses: { ...op.ok, ...errorResponses(codes, 'audit') },
  };
}

function auditPaths(): ZodOpenApiPathsObject {
  const scan = { scan_id: idParam('The scan run') };
  const crawl = { crawl_id: idParam('The crawl') };
  const schedule = { schedule_id: idParam('The schedule') };
  const finding = { finding_id: idParam('The finding') };
  const task = { task_id: idParam('The task') };
  const verification = { verification_id: idParam('The verification') };
  const report = { report_id: idParam('The report') };
  const integrationProvider = { provider: z.enum(PROVIDERS).meta({ description: 'One of the eight providers; another name is a 404' }) };
  const decision = (name: 'approve' | 'reopen', summary: string): ZodOpenApiOperationObject =>
    audit({
      tag: 'Verifications',
      summary,
      description: 'Sent to the verification workflow as a signal; answers once the decision is applied.',
      scope: 'audit:write',
      params: verification,
      ok: ok(200, `The verification after ${name}`, dataEnvelope(verificationSchema), 'audit'),
      errors: ['conflict', 'unavailable'],
    });
  return {
    [`${AUDIT_PATH}/scans/run`]: {
      post: audit({
        tag: 'Scans',
        summary: 'Start a scan',
        description: 'Spends one unit of the strict rate bucket (the x-ratelimit-* headers show it) and, with an AI provider, one AI unit.',
        scope: 'audit:write',
        body: runScanBody,
        ok: ok(202, 'The scan run, queued', dataEnvelope(scanRunSchema), 'audit'),
        errors: ['quota_exceeded', 'unavailable'],
      }),
    },
    [`${AUDIT_PATH}/scans`]: {
      get: audit({ tag: 'Scans', summary: 'List scan runs, newest first', scope: 'audit:read', query: scanListQuery, ok: ok(200, 'A page of scan runs', listEnvelope(scanRunSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/scans/{scan_id}`]: {
      get: audit({
        tag: 'Scans',
        summary: 'Get a scan run',
        description: 'While running, `scanner_status` and `analysis` come live from the workflow.',
        scope: 'audit:read',
        params: scan,
        ok: ok(200, 'The scan run', dataEnvelope(scanRunDetailSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/scans/{scan_id}/events`]: {
      get: {
        ...audit({ tag: 'Scans', summary: 'Live progress of a scan (Server-Sent Events)', scope: 'audit:read', params: scan, ok: {} }),
        description:
          'A `text/event-stream`: it starts with the current state; event `scanner` (data `{"scanner", "status", "error"?}`) on each slot change, ' +
          'event `analysis` on each AI stage change, and a final `completed` or `failed` event carrying the scan as GET scans/{scan_id} serialises it, after which the stream ends. ' +
          'A heartbeat comment every 15 s; send `Last-Event-ID` to resume.',
        parameters: [{ name: 'last-event-id', in: 'header', required: false, description: 'Resume after this event id', schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'The event stream',
            headers: RATE_HEADERS,
            content: { 'text/event-stream': { schema: { type: 'string' }, example: 'id: 3\nevent: scanner\ndata: {"scanner":"security","status":"done"}\n\n' } },
          },
          ...errorResponses(['bad_request', 'unauthorized', 'forbidden', 'not_found', 'payload_too_large', 'unsupported_media_type', 'internal'], 'audit'),
        },
      },
    },
    [`${AUDIT_PATH}/crawls/run`]: {
      post: audit({
        tag: 'Crawls',
        summary: 'Start a crawl: a whole-site audit',
        description:
          'Spends one unit of the strict rate bucket. The workflow finds pages from robots.txt sitemaps, sitemap indexes and links on the same origin, obeys robots.txt (and its Crawl-delay), and scans each HTML page once (docs/crawls.md). No AI unit: crawl scans skip the AI stage.',
        scope: 'audit:write',
        body: runCrawlBody,
        ok: ok(202, 'The crawl, queued', dataEnvelope(crawlSchema), 'audit'),
        errors: ['unavailable'],
      }),
    },
    [`${AUDIT_PATH}/crawls`]: {
      get: audit({
        tag: 'Crawls',
        summary: "The project's crawls, newest first, each with its counts and site summary",
        scope: 'audit:read',
        query: crawlListQuery,
        ok: ok(200, 'A page of crawls', listEnvelope(crawlSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/crawls/{crawl_id}`]: {
      get: audit({ tag: 'Crawls', summary: 'Get a crawl: status, page counts, skip reasons and the site summary', scope: 'audit:read', params: crawl, ok: ok(200, 'The crawl', dataEnvelope(crawlSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/crawls/{crawl_id}/pages`]: {
      get: audit({
        tag: 'Crawls',
        summary: "A crawl's pages, newest found first",
        scope: 'audit:read',
        params: crawl,
        query: crawlPageListQuery,
        ok: ok(200, 'A page of crawl pages', listEnvelope(crawlPageSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/crawls/{crawl_id}/cancel`]: {
      post: audit({
        tag: 'Crawls',
        summary: 'Cancel a crawl',
        description: 'Asks the workflow to stop: its scans in flight are cancelled and the crawl closes `cancelled` shortly after. A crawl already closed is a 409.',
        scope: 'audit:write',
        params: crawl,
        ok: ok(202, 'The crawl, cancellation requested', dataEnvelope(crawlSchema), 'audit'),
        errors: ['conflict'],
      }),
    },
    [`${AUDIT_PATH}/schedules`]: {
      post: audit({
        tag: 'Schedules',
        summary: 'Schedule a recurring scan',
        description:
          'Creates a Temporal Schedule whose firings start scans with `trigger: "scheduled"` (each charged like POST scans/run). Exactly one of `cron` (five fields, UTC) and `every` (a duration, at least one minute). ' +
          'A firing while the previous run is still going is skipped. Invalid `cron` or `every`: 422.',
        scope: 'audit:write',
        body: createScheduleBody,
        ok: ok(201, 'The schedule', dataEnvelope(scheduleSchema), 'audit'),
        errors: ['unavailable'],
      }),
      get: audit({ tag: 'Schedules', summary: 'List schedules, newest first', scope: 'audit:read', query: scheduleListQuery, ok: ok(200, 'A page of schedules', listEnvelope(scheduleSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/schedules/{schedule_id}`]: {
      get: audit({
        tag: 'Schedules',
        summary: 'Get a schedule: its next run and its recent runs with their regressions',
        description: '`paused` and `next_run_at` come from the Temporal Schedule (503 when Temporal does not answer).',
        scope: 'audit:read',
        params: schedule,
        ok: ok(200, 'The schedule', dataEnvelope(scheduleDetailSchema), 'audit'),
        errors: ['unavailable'],
      }),
      patch: audit({
        tag: 'Schedules',
        summary: 'Pause or resume a schedule',
        description: 'Paused, it fires never (not even to catch up when resumed); a run in progress goes on.',
        scope: 'audit:write',
        params: schedule,
        body: updateScheduleBody,
        ok: ok(200, 'The schedule after the change', dataEnvelope(scheduleSchema), 'audit'),
        errors: ['unavailable'],
      }),
      delete: audit({
        tag: 'Schedules',
        summary: 'Delete a schedule',
        description: 'The Temporal Schedule is deleted, then the schedule and its run records; the scans it started stay. A 404 afterwards.',
        scope: 'audit:write',
        params: schedule,
        ok: ok(200, 'Deleted', dataEnvelope(z.object({ id: z.uuid(), deleted: z.literal(true) })), 'audit'),
        errors: ['unavailable'],
      }),
    },
    [`${AUDIT_PATH}/findings`]: {
      get: audit({
        tag: 'Findings',
        summary: 'List findings',
        description: "Krafter's offset paging: `meta.next_cursor` is always null. Ordered by priority_score, newest first, unless `sort` names another order.",
        scope: 'audit:read',
        query: findingListQuery,
        ok: ok(200, 'A page of findings', listEnvelope(findingSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/findings/{finding_id}`]: {
      get: audit({ tag: 'Findings', summary: 'Get a finding with its regressions', scope: 'audit:read', params: finding, ok: ok(200, 'The finding', dataEnvelope(findingDetailSchema), 'audit') }),
      patch: audit({
        tag: 'Findings',
        summary: 'Edit a finding (status, severity, owner)',
        scope: 'audit:write',
        params: finding,
        body: editFindingBody,
        ok: ok(200, 'The finding after the edit', dataEnvelope(findingSchema), 'audit'),
        errors: ['conflict'],
      }),
    },
    [`${AUDIT_PATH}/findings/{finding_id}/events`]: {
      get: audit({
        tag: 'Findings',
        summary: "A finding's history (status, severity and owner changes, detections), newest first",
        scope: 'audit:read',
        params: finding,
        query: findingEventListQuery,
        ok: ok(200, 'A page of events', listEnvelope(findingEventSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/findings/bulk`]: {
      post: audit({
        tag: 'Findings',
        summary: 'Edit many findings, all or nothing',
        scope: 'audit:write',
        body: bulkEditFindingsBody,
        ok: ok(200, 'What changed, in request order', dataEnvelope(bulkEditResultSchema), 'audit'),
        errors: ['conflict'],
      }),
    },
    [`${AUDIT_PATH}/policies/current`]: {
      get: audit({ tag: 'Policies', summary: "The project's policy (the default is made on first read)", scope: 'audit:read', ok: ok(200, 'The policy', dataEnvelope(policySchema), 'audit') }),
      put: audit({ tag: 'Policies', summary: 'Replace the policy', scope: 'audit:write', body: replacePolicyBody, ok: ok(200, 'The policy, `config` as sent', dataEnvelope(policySchema), 'audit') }),
    },
    [`${AUDIT_PATH}/policies/test`]: {
      post: audit({
        tag: 'Policies',
        summary: "What-if: a config's severity rules applied to the open findings",
        description: 'Writes nothing, so a read key may ask.',
        scope: 'audit:read',
        body: testPolicyBody,
        ok: ok(200, 'The simulation', dataEnvelope(policySimulationSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/tasks`]: {
      post: audit({
        tag: 'Tasks',
        summary: 'Create a remediation task for a finding',
        description: 'One open task per finding: another while one is open is a 409.',
        scope: 'audit:write',
        body: createTaskBody,
        ok: ok(201, 'The task', dataEnvelope(taskSchema), 'audit'),
        errors: ['conflict'],
      }),
      get: audit({ tag: 'Tasks', summary: 'List tasks, newest first', scope: 'audit:read', query: taskListQuery, ok: ok(200, 'A page of tasks', listEnvelope(taskSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/tasks/{task_id}`]: {
      get: audit({ tag: 'Tasks', summary: 'Get a task', scope: 'audit:read', params: task, ok: ok(200, 'The task', dataEnvelope(taskSchema), 'audit') }),
      patch: audit({
        tag: 'Tasks',
        summary: 'Update a task',
        description: 'A status move carries the open finding along (in_progress, ready_verify).',
        scope: 'audit:write',
        params: task,
        body: updateTaskBody,
        ok: ok(200, 'The task after the update', dataEnvelope(taskSchema), 'audit'),
        errors: ['conflict'],
      }),
    },
    [`${AUDIT_PATH}/verifications/run`]: {
      post: audit({
        tag: 'Verifications',
        summary: "Re-check a task's finding",
        scope: 'audit:write',
        body: runVerificationBody,
        description: 'A done task, or one whose verification is still running, is a 409.',
        ok: ok(202, 'The verification, running', dataEnvelope(verificationSchema), 'audit'),
        errors: ['conflict', 'quota_exceeded', 'unavailable'],
      }),
    },
    [`${AUDIT_PATH}/verifications`]: {
      get: audit({ tag: 'Verifications', summary: 'List verifications, newest first', scope: 'audit:read', query: verificationListQuery, ok: ok(200, 'A page of verifications', listEnvelope(verificationSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/verifications/{verification_id}`]: {
      get: audit({ tag: 'Verifications', summary: 'Get a verification', scope: 'audit:read', params: verification, ok: ok(200, 'The verification', dataEnvelope(verificationSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/verifications/{verification_id}/approve`]: { post: decision('approve', 'Approve a passed verification (closes the task and finding)') },
    [`${AUDIT_PATH}/verifications/{verification_id}/reopen`]: { post: decision('reopen', 'Reopen: the fix did not hold') },
    [`${AUDIT_PATH}/reports/summary`]: {
      get: audit({ tag: 'Reports', summary: "Today's figures and the 7-day risk burn-down", scope: 'audit:read', query: reportSummaryQuery, ok: ok(200, 'The summary', dataEnvelope(reportSummarySchema), 'audit') }),
    },
    [`${AUDIT_PATH}/reports/export`]: {
      post: audit({
        tag: 'Reports',
        summary: 'Export a report (a workflow renders and signs it)',
        scope: 'audit:write',
        body: exportReportBody,
        ok: ok(202, 'The report, queued', dataEnvelope(reportSchema), 'audit'),
        errors: ['quota_exceeded', 'unavailable'],
      }),
    },
    [`${AUDIT_PATH}/reports/share`]: {
      post: audit({
        tag: 'Reports',
        summary: "Share the project's latest exported report",
        scope: 'audit:write',
        body: shareReportBody,
        ok: ok(200, 'The share', dataEnvelope(reportShareSchema), 'audit'),
        errors: ['conflict', 'unavailable'],
      }),
    },
    [`${AUDIT_PATH}/reports`]: {
      get: audit({ tag: 'Reports', summary: 'List reports, newest first', scope: 'audit:read', query: reportListQuery, ok: ok(200, 'A page of reports', listEnvelope(reportSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/reports/{report_id}`]: {
      get: audit({ tag: 'Reports', summary: 'Get a report', scope: 'audit:read', params: report, ok: ok(200, 'The report', dataEnvelope(reportSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/reports/{report_id}/evidence`]: {
      get: audit({
        tag: 'Reports',
        summary: "The report's signed provenance (DSSE envelope)",
        scope: 'audit:read',
        params: report,
        ok: ok(200, 'The envelope and its decoded statement', dataEnvelope(reportEvidenceSchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/channels`]: {
      post: audit({
        tag: 'Notifications',
        summary: 'Add a notification channel (slack, email or webhook)',
        description: "The config is encrypted at rest and never returned; a URL must pass the SSRF guard (and does again at every send). A webhook's signing secret is in this answer only.",
        scope: 'audit:write',
        body: createChannelBody,
        ok: ok(201, 'The channel', dataEnvelope(createdChannelSchema), 'audit'),
      }),
      get: audit({ tag: 'Notifications', summary: "The project's channels", scope: 'audit:read', ok: ok(200, 'Every channel', listEnvelope(channelSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/channels/{channel_id}`]: {
      delete: audit({
        tag: 'Notifications',
        summary: 'Delete a channel',
        description: 'Its deliveries stay as receipts; one still pending fails at its next attempt.',
        scope: 'audit:write',
        params: { channel_id: idParam('The channel') },
        ok: ok(200, 'Deleted', dataEnvelope(z.object({ id: z.uuid(), deleted: z.literal(true) })), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/site-auth`]: {
      put: audit({
        tag: 'Site auth',
        summary: 'Set the credentials for pages behind a login',
        description:
          'Exactly one of request `headers`, `cookies` or a `login` recipe (run in Chromium before each scan). Encrypted at rest; sent only to the ' +
          "project's origin by every scanner and verification, never to another host; never returned, logged or put in workflow history (docs/site-auth.md).",
        scope: 'audit:write',
        body: siteAuthBody,
        ok: ok(200, 'Names and types, never values', dataEnvelope(siteAuthSchema), 'audit'),
      }),
      get: audit({
        tag: 'Site auth',
        summary: "The project's site-auth: its type, origin and names",
        description: 'A 404 when none is set.',
        scope: 'audit:read',
        ok: ok(200, 'Names and types, never values', dataEnvelope(siteAuthSchema), 'audit'),
      }),
      delete: audit({
        tag: 'Site auth',
        summary: 'Remove the site-auth',
        description: 'A 404 when none is set. Scans already signed in keep their session until they close.',
        scope: 'audit:write',
        ok: ok(200, 'Deleted', dataEnvelope(z.object({ deleted: z.literal(true) })), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/notifications/deliveries`]: {
      get: audit({
        tag: 'Notifications',
        summary: 'Delivery receipts, newest first',
        description: 'One per (event, channel) (and per report share): status, attempts, last error, response code.',
        scope: 'audit:read',
        query: deliveryListQuery,
        ok: ok(200, 'A page of deliveries', listEnvelope(deliverySchema), 'audit'),
      }),
    },
    [`${AUDIT_PATH}/notifications/deliveries/{delivery_id}/retry`]: {
      post: audit({
        tag: 'Notifications',
        summary: 'Send a failed delivery again',
        description: 'Starts a NotificationWorkflow for this delivery alone; only a failed event delivery (409 otherwise).',
        scope: 'audit:write',
        params: { delivery_id: idParam('The delivery') },
        ok: ok(202, 'The delivery, and the workflow that sends it', dataEnvelope(deliverySchema.extend({ workflow_id: z.string() })), 'audit'),
        errors: ['conflict'],
      }),
    },
    [`${AUDIT_PATH}/command-center`]: {
      get: audit({ tag: 'Command center', summary: 'The project at a glance', scope: 'audit:read', ok: ok(200, 'The blocks', dataEnvelope(commandCenterSchema), 'audit') }),
    },
    [`${AUDIT_PATH}/integrations`]: {
      get: audit({ tag: 'Integrations', summary: 'Every provider, one row each (placeholders for never-connected)', scope: 'audit:read', ok: ok(200, 'The eight rows', integrationListSchema, 'audit') }),
    },
    [`${AUDIT_PATH}/integrations/{provider}/connect`]: {
      post: audit({
        tag: 'Integrations',
        summary: 'Connect (or reconnect) a tracker',
        description:
          'The credentials are checked by a call to the provider through its SDK, then stored AES-256-GCM encrypted and never returned. ' +
          'github, gitlab, jira and linear only: the other providers answer 422 "not supported yet". Refused credentials, an unreachable or private base_url: 422.',
        scope: 'audit:write',
        params: integrationProvider,
        body: connectIntegrationBody,
        ok: ok(200, 'The integration, connected', dataEnvelope(connectedIntegrationSchema), 'audit'),
        errors: ['conflict'],
      }),
    },
    [`${AUDIT_PATH}/integrations/{provider}/sync`]: {
      post: audit({
        tag: 'Integrations',
        summary: 'Push the open tasks to the tracker as tickets',
        description:
          'Answers `syncing` at once; a workflow then creates, updates or closes one ticket per task and ends `connected` (with `last_sync_at`) or `error` (with `last_error`). ' +
          'Not connected: 409. ga4, gsc, sentry, cloudflare: 422 "not supported yet".',
        scope: 'audit:write',
        params: integrationProvider,
        ok: ok(202, 'The integration, syncing', dataEnvelope(connectedIntegrationSchema), 'audit'),
        errors: ['invalid_params', 'conflict', 'unavailable'],
      }),
    },
  };
}

const binary = { type: 'string', contentMediaType: 'application/octet-stream' } as const;
const publicNotFound = errorResponses(['not_found', 'internal'], 'public');
const linkToken = { token: z.string().meta({ description: 'The signed token from the link; tampered, foreign or expired → 404' }) };

function otherPaths(): ZodOpenApiPathsObject {
  const plain = (description: string, mediaType: string, schema: object, example?: string) => ({
    description,
    content: { [mediaType]: { schema, ...(example ? { example } : {}) } },
  });
  return {
    '/healthz': {
      get: { tags: ['Health'], summary: 'The process is up', security: [], responses: { ...ok(200, 'Up', dataEnvelope(healthSchema), 'public'), ...errorResponses(['internal'], 'public') } },
    },
    '/readyz': {
      get: {
        tags: ['Health'],
        summary: 'PostgreSQL and Temporal answer too',
        security: [],
        responses: {
          ...ok(200, 'Ready', dataEnvelope(readinessSchema), 'public'),
          '503': { description: 'Not ready: `checks` says which dependency did not answer', headers: REQUEST_ID_HEADER, content: { 'application/json': { schema: dataEnvelope(readinessSchema) } } },
          ...errorResponses(['internal'], 'public'),
        },
      },
    },
    '/api/v1/signing-key': {
      get: {
        tags: ['Reports'],
        summary: "The instance's public key that signs report evidence",
        security: [{ apiKey: [] }],
        responses: { ...ok(200, 'The active key', dataEnvelope(signingKeySchema), 'keyed'), ...errorResponses(['unauthorized', 'internal'], 'keyed') },
      },
    },
    '/api/v1/me': {
      get: {
        tags: ['Account'],
        summary: 'The calling key: its org, prefix and scopes',
        description: 'What a client (the dashboard) needs after sign-in to find its org and what it may do.',
        security: [{ apiKey: [] }],
        responses: { ...ok(200, 'The key', dataEnvelope(meSchema), 'keyed'), ...errorResponses(['unauthorized', 'internal'], 'keyed') },
      },
    },
    '/api/v1/orgs/{org_id}/projects': {
      get: {
        tags: ['Account'],
        summary: "The org's projects, by slug",
        'x-required-scope': 'audit:read',
        security: [{ apiKey: [] }],
        requestParams: { path: z.object({ org_id: orgProjectParams.org_id }), query: projectListQuery },
        responses: {
          ...ok(200, 'A page of projects', listEnvelope(projectSchema), 'keyed'),
          ...errorResponses(['unauthorized', 'forbidden', 'not_found', 'invalid_params', 'internal'], 'keyed'),
        },
      },
      post: {
        tags: ['Account'],
        summary: 'Create a project in the org',
        description: 'A slug the org already has is a 409.',
        'x-required-scope': 'audit:write',
        security: [{ apiKey: [] }],
        requestParams: { path: z.object({ org_id: orgProjectParams.org_id }) },
        requestBody: { required: true, content: { 'application/json': { schema: createProjectBody } } },
        responses: {
          ...ok(201, 'The project', dataEnvelope(projectSchema), 'keyed'),
          ...errorResponses(['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'payload_too_large', 'unsupported_media_type', 'invalid_params', 'internal'], 'keyed'),
        },
      },
    },
    '/api/v1/orgs/{org_id}/projects/{project_id}': {
      patch: {
        tags: ['Account'],
        summary: "Change a project's name or settings",
        description:
          'A setting left out keeps its value. `settings.lighthouse_runs` (1, 3 or 5) is how many times scans and verifications run Lighthouse on a page; ' +
          'the median run is kept (docs/scanning.md, "Stable lab figures"). Another value is a 422.',
        'x-required-scope': 'audit:write',
        security: [{ apiKey: [] }],
        requestParams: { path: z.object(orgProjectParams) },
        requestBody: { required: true, content: { 'application/json': { schema: updateProjectBody } } },
        responses: {
          ...ok(200, 'The project, every setting filled in', dataEnvelope(projectSchema), 'keyed'),
          ...errorResponses(['bad_request', 'unauthorized', 'forbidden', 'not_found', 'payload_too_large', 'unsupported_media_type', 'invalid_params', 'internal'], 'keyed'),
        },
      },
    },
    '/api/v1/exports/{token}': {
      get: {
        tags: ['Public links'],
        summary: 'Download an exported report (signed link, no key)',
        security: [],
        requestParams: { path: z.object(linkToken) },
        responses: {
          '200': {
            description: 'The report file, as exported; `content-disposition: attachment`',
            headers: { ...REQUEST_ID_HEADER, 'content-disposition': { schema: { type: 'string' }, required: true } },
            content: {
              'application/pdf': { schema: binary },
              'text/html': { schema: { type: 'string' } },
              'application/json': { schema: { type: 'object' } },
              'text/csv': { schema: { type: 'string' } },
              'application/sarif+json': { schema: { type: 'object' } },
            },
          },
          ...publicNotFound,
        },
      },
    },
    '/api/v1/shared/reports/{token}': {
      get: {
        tags: ['Public links'],
        summary: 'View a shared report (signed link, no key)',
        description: 'An HTML page under a CSP that lets it fetch and run nothing.',
        security: [],
        requestParams: { path: z.object(linkToken) },
        responses: { '200': { headers: REQUEST_ID_HEADER, ...plain('The report page', 'text/html', { type: 'string' }) }, ...publicNotFound },
      },
    },
    '/metrics': {
      get: {
        tags: ['Meta'],
        summary: 'Prometheus metrics',
        description: 'Prometheus text exposition. When `METRICS_TOKEN` is set, `Authorization: Bearer <METRICS_TOKEN>` is required.',
        security: [{}, { metricsToken: [] }],
        responses: {
          '200': plain('The metrics', 'text/plain', { type: 'string' }, '# TYPE sitewarden_scans_started_total counter\nsitewarden_scans_started_total 3\n'),
          ...errorResponses(['unauthorized', 'internal'], 'public'),
        },
      },
    },
    '/openapi.json': {
      get: {
        tags: ['Meta'],
        summary: 'This document',
        security: [],
        responses: { '200': plain('The OpenAPI 3.1 document', 'application/json', { type: 'object', required: ['openapi', 'paths'] }), ...errorResponses(['internal'], 'public') },
      },
    },
    '/docs': {
      get: {
        tags: ['Meta'],
        summary: 'Interactive API reference (Swagger UI, served locally)',
        security: [],
        responses: {
          '200': plain('The reference page', 'text/html', { type: 'string' }),
          '301': { description: '`/docs/` → `/docs` (the page\'s URLs are relative to it)', headers: { location: { required: true, schema: { type: 'string' } } } },
          ...errorResponses(['internal'], 'public'),
        },
      },
    },
    '/': {
      get: {
        tags: ['Meta'],
        summary: 'The web dashboard (docs/dashboard.md)',
        description: "One page under a strict CSP (no inline script, nothing from another origin); its views are hash routes. 503 when the dashboard's assets are not built.",
        security: [],
        responses: { '200': plain('The dashboard page', 'text/html', { type: 'string' }), ...errorResponses(['unavailable', 'internal'], 'public') },
      },
    },
    '/assets/{file}': {
      get: {
        tags: ['Meta'],
        summary: "The dashboard's scripts and styles (hashed names, cached for a year)",
        security: [],
        requestParams: { path: z.object({ file: z.string().meta({ description: 'A file the build wrote; any other name is a 404' }) }) },
        responses: {
          '200': { description: 'The asset', content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
          ...errorResponses(['not_found', 'unavailable', 'internal'], 'public'),
        },
      },
    },
    '/docs/assets/{file}': {
      get: {
        tags: ['Meta'],
        summary: "The reference page's scripts and styles",
        security: [],
        requestParams: { path: z.object({ file: z.enum(DOCS_ASSETS) }) },
        responses: {
          '200': {
            description: 'The asset',
            content: { 'text/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } }, 'image/png': { schema: binary } },
          },
          ...publicNotFound,
        },
      },
    },
  };
}

/**
 * The operationId of each operation: the name a generic client (openapi-client-axios, Swagger's
 * client, an SDK generator) gives the call. Named here, by method and path under the audit prefix
 * (or the whole path), so the names read as verbs; an operation missing from the table gets one
 * derived from its method and path (still unique, test/unit/api/openapi.test.ts checks).
 */
const OPERATION_IDS: Record<string, string> = {
  'GET /healthz': 'getHealth',
  'GET /readyz': 'getReadiness',
  'GET /api/v1/signing-key': 'getSigningKey',
  'GET /api/v1/exports/{token}': 'downloadExport',
  'GET /api/v1/shared/reports/{token}': 'viewSharedReport',
  'GET /metrics': 'getMetrics',
  'GET /openapi.json': 'getOpenApiDocument',
  'GET /docs': 'getDocsPage',
  'GET /docs/assets/{file}': 'getDocsAsset',
  'POST …/scans/run': 'runScan',
  'GET …/scans': 'listScans',
  'GET …/scans/{scan_id}': 'getScan',
  'GET …/scans/{scan_id}/events': 'streamScanEvents',
  'POST …/crawls/run': 'runCrawl',
  'GET …/crawls/{crawl_id}': 'getCrawl',
  'GET …/crawls': 'listCrawls',
  'GET …/crawls/{crawl_id}/pages': 'listCrawlPages',
  'POST …/crawls/{crawl_id}/cancel': 'cancelCrawl',
  'POST …/schedules': 'createSchedule',
  'GET …/schedules': 'listSchedules',
  'GET …/schedules/{schedule_id}': 'getSchedule',
  'PATCH …/schedules/{schedule_id}': 'updateSchedule',
  'DELETE …/schedules/{schedule_id}': 'deleteSchedule',
  'GET …/findings': 'listFindings',
  'GET …/findings/{finding_id}': 'getFinding',
  'PATCH …/findings/{finding_id}': 'editFinding',
  'POST …/findings/bulk': 'bulkEditFindings',
  'GET …/policies/current': 'getPolicy',
  'PUT …/policies/current': 'replacePolicy',
  'POST …/policies/test': 'testPolicy',
  'POST …/tasks': 'createTask',
  'GET …/tasks': 'listTasks',
  'GET …/tasks/{task_id}': 'getTask',
  'PATCH …/tasks/{task_id}': 'updateTask',
  'POST …/verifications/run': 'runVerification',
  'GET …/verifications': 'listVerifications',
  'GET …/verifications/{verification_id}': 'getVerification',
  'POST …/verifications/{verification_id}/approve': 'approveVerification',
  'POST …/verifications/{verification_id}/reopen': 'reopenVerification',
  'GET …/reports/summary': 'getReportSummary',
  'POST …/reports/export': 'exportReport',
  'POST …/reports/share': 'shareReport',
  'GET …/reports': 'listReports',
  'GET …/reports/{report_id}': 'getReport',
  'GET …/reports/{report_id}/evidence': 'getReportEvidence',
  'GET …/command-center': 'getCommandCenter',
  'GET …/integrations': 'listIntegrations',
  'POST …/integrations/{provider}/connect': 'connectIntegration',
  'POST …/integrations/{provider}/sync': 'syncIntegration',
  'GET /': 'getDashboard',
  'GET /assets/{file}': 'getDashboardAsset',
  'GET /api/v1/me': 'getMe',
  'GET /api/v1/orgs/{org_id}/projects': 'listProjects',
  'POST /api/v1/orgs/{org_id}/projects': 'createProject',
  'PATCH /api/v1/orgs/{org_id}/projects/{project_id}': 'updateProject',
  'GET …/findings/{finding_id}/events': 'listFindingEvents',
  'POST …/channels': 'createChannel',
  'GET …/channels': 'listChannels',
  'DELETE …/channels/{channel_id}': 'deleteChannel',
  'GET …/notifications/deliveries': 'listDeliveries',
  'POST …/notifications/deliveries/{delivery_id}/retry': 'retryDelivery',
  'PUT …/site-auth': 'putSiteAuth',
  'GET …/site-auth': 'getSiteAuth',
  'DELETE …/site-auth': 'deleteSiteAuth',
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** `post` + `/…/notifications/deliveries/{id}/retry` → `postNotificationsDeliveriesIdRetry`. */
function derivedOperationId(method: string, path: string): string {
  const words = path
    .replace(AUDIT_PATH, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w && w !== 'api' && w !== 'v1');
  return method + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function withOperationIds(paths: ZodOpenApiPathsObject): ZodOpenApiPathsObject {
  for (const [path, item] of Object.entries(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation || operation.operationId) continue;
      const key = `${method.toUpperCase()} ${path.startsWith(AUDIT_PATH) ? `…${path.slice(AUDIT_PATH.length)}` : path}`;
      operation.operationId = OPERATION_IDS[key] ?? derivedOperationId(method, path);
    }
  }
  return paths;
}

let cached: ReturnType<typeof createDocument> | undefined;

export function openApiDocument(): ReturnType<typeof createDocument> {
  cached ??= createDocument({
    openapi: '3.1.1',
    info: {
      title: 'Sitewarden API',
      version: '1',
      description:
        'Website audits (performance, security, SEO, accessibility) and their remediation, compatible with the Krafter Audit API. ' +
        'Every JSON answer is an envelope `{data, meta: {request_id}, error}`. Audit routes are per org and project, behind an API key ' +
        'with scope `audit:read` or `audit:write` (`x-required-scope` on each operation) and a per-org rate bucket (`x-ratelimit-*` headers).',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' },
    },
    servers: [{ url: '/', description: 'This instance' }],
    security: [{ apiKey: [] }],
    tags: ['Health', 'Account', 'Scans', 'Crawls', 'Schedules', 'Findings', 'Policies', 'Tasks', 'Verifications', 'Reports', 'Command center', 'Integrations', 'Notifications', 'Site auth', 'Public links', 'Meta'].map((name) => ({ name })),
    paths: withOperationIds({ ...otherPaths(), ...auditPaths() }),
    components: {
      // Every code in one list; each error response pins its own (Error_<code>).
      schemas: { ErrorCode: errorCodeSchema },
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'kr_live_<43 base64url characters>',
          description: 'An API key (`kr_live_` and 43 base64url characters) in `Authorization: Bearer …`, made with `sitewarden admin keys create`.',
        },
        metricsToken: { type: 'http', scheme: 'bearer', description: 'The instance\'s METRICS_TOKEN, when it is set' },
      },
      headers: {
        RequestId: { description: "This request's id (a well-formed incoming x-request-id is kept)", required: true, schema: { type: 'string' } },
        RateLimitLimit: { description: "The bucket's size (requests per window)", required: true, schema: { type: 'integer' } },
        RateLimitRemaining: { description: 'Requests left in this window', required: true, schema: { type: 'integer' } },
        RateLimitReset: { description: 'When the window resets, Unix time in seconds', required: true, schema: { type: 'integer' } },
        RetryAfter: { description: 'Seconds to wait', required: true, schema: { type: 'integer' } },
      },
    },
  }, {
    // A policy's config is a z.custom (a free-form JSON object); its .meta() override says what it accepts.
    allowEmptySchema: { custom: true },
  });
  return cached;
}
