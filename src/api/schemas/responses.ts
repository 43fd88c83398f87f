import { z } from 'zod';
import { SCOPES } from '../../domain/api-keys.ts';
import { SCANNERS } from '../../domain/scanners.ts';
import {
  CrawlStatus,
  FindingDomain,
  FindingEventKind,
  FindingStatus,
  RegressionStatus,
  RegressionTrigger,
  ReportFormat,
  ReportStatus,
  ScanStatus,
  ScanTrigger,
  ScheduleRunKind,
  ScheduleRunStatus,
  ScoreSource,
  Severity,
  SeveritySource,
  TaskPriority,
  TaskStatus,
  VerificationResult,
} from '../../generated/prisma/enums.ts';
import { OPEN_TASK_STATUSES } from '../../domain/lifecycle.ts';
import { storedSecurityGradeSchema } from '../../domain/security-grade.ts';
import { storedPerformanceLabSchema } from '../../domain/lab-summary.ts';
import { ERROR_STATUS, type ErrorCode } from '../errors.ts';
import type { serializeFinding, serializeFindingEvent, serializeRegression } from '../serializers/finding.ts';
import type { serializePolicy } from '../serializers/policy.ts';
import type { serializeTask, serializeVerification } from '../serializers/remediation.ts';
import type { serializeChannel, serializeDelivery } from '../serializers/notification.ts';
import type { serializeReport } from '../serializers/report.ts';
import type { serializeScanRun } from '../serializers/scan-run.ts';
import type { serializeSchedule, serializeScheduleDetail, serializeScheduleRun } from '../serializers/schedule.ts';
import type { serializeConnectedIntegration, serializePlaceholderIntegration } from '../serializers/integration.ts';
import { PROVIDERS } from '../../integrations/providers.ts';

/**
 * What the API answers, as zod schemas: the OpenAPI document's response schemas, and what the
 * integration tests check every response against. The serializers' key sets are pinned to
 * these at compile time (bottom of the file), so a field added to one but not the other fails tsc.
 */

const uuid = z.uuid();
/** Owners are any 8-4-4-4-12 hex id, as PostgreSQL's uuid takes them (Krafter's examples are not RFC 4122). */
const anyUuid = z.guid();
const timestamp = z.iso.datetime().meta({ example: '2026-12-04T09:30:00.000Z' });
const projectId = z.string().max(64).meta({ example: 'production-website' });
const severityCounts = z.object({ critical: z.int(), high: z.int(), medium: z.int(), low: z.int() });
const byDomain = z.object(Object.fromEntries(Object.values(FindingDomain).map((d) => [d, z.int()])) as Record<FindingDomain, z.ZodInt>);

// ── envelope ─────────────────────────────────────────────────────────────────────────────────

export const requestIdSchema = z.string().meta({ id: 'RequestId', description: 'This request\'s id, also in the `x-request-id` header', example: 'F-mxbAQk6m9lXeQAAATj' });

/** `{data, meta: {request_id}, error: null}` (src/api/envelope.ts). */
export function dataEnvelope<T extends z.ZodType>(data: T) {
  return z.object({ data, meta: z.object({ request_id: requestIdSchema }), error: z.null() });
}

/** A list: `meta` adds `total` and `next_cursor` (null when there is no next page). */
export function listEnvelope<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    meta: z.object({
      request_id: requestIdSchema,
      total: z.int().min(0).meta({ description: 'All matching items, not just this page' }),
      next_cursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null on the last page (always null where paging is by offset)' }),
    }),
    error: z.null(),
  });
}

export const errorCodeSchema = z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).meta({ id: 'ErrorCode' });

const errorDetails = z
  .record(z.string(), z.union([z.array(z.string()), z.string(), z.number()]))
  .meta({
    description: 'Field errors (field path → messages), or facts of the refusal (a quota\'s limit and reset time)',
    example: { url: ['host is in a private or reserved address range (loopback)'] },
  });

function makeErrorEnvelope(code: ErrorCode) {
  return z
    .object({
      data: z.null(),
      meta: z.object({ request_id: requestIdSchema }),
      error: z.object({ code: z.literal(code), message: z.string(), details: errorDetails.optional() }),
    })
    .meta({ id: `Error_${code}` });
}

const errorEnvelopes = new Map<ErrorCode, ReturnType<typeof makeErrorEnvelope>>();

/** The error envelope with `error.code` pinned to one code, so a status answers only its own code. */
export function errorEnvelope(code: ErrorCode) {
  // One object per code: a component id may name only one schema.
  let schema = errorEnvelopes.get(code);
  if (!schema) errorEnvelopes.set(code, (schema = makeErrorEnvelope(code)));
  return schema;
}

/** Krafter's 429 for a spent rate bucket is flat, not enveloped. */
export const rateLimitedSchema = z
  .object({ error: z.literal('Rate limit exceeded'), retry_after: z.int().min(1).meta({ description: 'Seconds, as in the retry-after header' }) })
  .meta({ id: 'RateLimited', example: { error: 'Rate limit exceeded', retry_after: 42 } });

// ── health ───────────────────────────────────────────────────────────────────────────────────

export const healthSchema = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const probe = z.enum(['ok', 'unavailable']);
export const readinessSchema = z
  .object({ status: z.enum(['ready', 'unavailable']), checks: z.object({ database: probe, temporal: probe }) })
  .meta({ id: 'Readiness', example: { status: 'ready', checks: { database: 'ok', temporal: 'ok' } } });

export const signingKeySchema = z
  .object({ key_id: z.string().meta({ description: 'SHA-256 of the public key (SPKI DER), hex' }), algorithm: z.literal('ed25519'), public_key_pem: z.string(), created_at: timestamp })
  .meta({ id: 'SigningKey' });

// ── scans ────────────────────────────────────────────────────────────────────────────────────

const scannerSlot = z.object({ status: z.enum(['pending', 'running', 'done', 'failed']), error: z.string().optional() });
export const analysisStageSchema = z
  .object({ status: z.enum(['pending', 'running', 'done', 'failed', 'skipped']), reason: z.string().optional() })
  .meta({ id: 'AnalysisStage', description: 'The AI stage; null on runs older than it' });

export const securityGradeSchema = storedSecurityGradeSchema
  .extend({
    score: z.int().min(0).meta({ description: 'Starts at 100; each test result adds its modifier; bonuses count only when the score is at least 90' }),
    grade: storedSecurityGradeSchema.shape.grade.meta({ description: 'A+ … F, from the score rounded down to a multiple of 5' }),
    tests: z
      .array(storedSecurityGradeSchema.shape.tests.element)
      .meta({ description: 'Every test with its result and modifier; `counted` is false for a bonus withheld under 90, and for a 0 modifier' }),
  })
  .meta({
    id: 'SecurityGrade',
    description: "The security domain graded with the HTTP Observatory's published method (docs/security-checks.md); present when the security scanner ran",
    example: {
      method: 'http-observatory',
      score: 75,
      grade: 'B',
      tests: [{ test: 'content-security-policy', result: 'csp-not-implemented', modifier: -25, counted: true }],
    },
  });

export const performanceLabSchema = storedPerformanceLabSchema
  .extend({
    runs: storedPerformanceLabSchema.shape.runs.meta({ description: "Lighthouse runs measured: the project's `lighthouse_runs`" }),
    kept_run: storedPerformanceLabSchema.shape.kept_run.meta({ description: 'The run kept (1-based, in the order run): closest to the median FCP and TTI (Lighthouse CI\'s median run); the findings come from it' }),
    metrics: storedPerformanceLabSchema.shape.metrics.meta({
      description: 'Per lab metric measured (lcp_ms, fcp_ms, cls, tbt_ms, speed_index_ms, ttfb_ms, tti_ms): min, median and max over the runs, and the kept run\'s value',
    }),
  })
  .meta({
    id: 'PerformanceLab',
    description: "The performance scanner's lab runs and each metric's spread (docs/scanning.md, \"Stable lab figures\"); present when that scanner ran",
    example: { source: 'lighthouse', runs: 3, kept_run: 2, metrics: { lcp_ms: { min: 2210, median: 2380, max: 2950, kept: 2380 }, tbt_ms: { min: 120, median: 180, max: 410, kept: 150 } } },
  });

export const scanRunSchema = z
  .object({
    id: uuid,
    org_id: uuid,
    project_id: projectId,
    url: z.string().meta({ example: 'https://example.com/' }),
    trigger: z.enum(ScanTrigger),
    status: z.enum(ScanStatus),
    scanner_status: z.partialRecord(z.enum(SCANNERS), scannerSlot).meta({ description: 'One slot per requested scanner' }),
    summary: z
      .looseObject({
        health_score: z.number().nullable().optional(),
        summary: z.string().nullable().optional(),
        findings_total: z.int().optional(),
        counts: z.looseObject({ by_severity: severityCounts, by_domain: z.partialRecord(z.enum(FindingDomain), z.int()).meta({ description: 'The scanned domains' }) }).optional(),
        domain_scores: z.record(z.string(), z.number().nullable()).optional(),
        security_grade: securityGradeSchema.optional(),
        performance_lab: performanceLabSchema.optional(),
      })
      .meta({ description: "Filled when the scan completes; security_grade, performance_lab (and the AI stage's verdict) appear as soon as they are recorded" }),
    analysis: analysisStageSchema.nullable(),
    failure_reason: z.string().nullable(),
    workflow_id: z.string().meta({ example: 'scan-0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d' }),
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    inserted_at: timestamp,
    updated_at: timestamp,
  })
  .meta({
    id: 'ScanRun',
    example: {
      id: '0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d',
      org_id: '7d8a3f7e-1c2b-4e5f-8a9b-0c1d2e3f4a5b',
      project_id: 'production-website',
      url: 'https://example.com/',
      trigger: 'manual',
      status: 'running',
      scanner_status: { performance: { status: 'running' }, security: { status: 'done' }, seo: { status: 'done' }, accessibility: { status: 'pending' } },
      summary: {},
      analysis: { status: 'pending' },
      failure_reason: null,
      workflow_id: 'scan-0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d',
      started_at: '2026-12-04T09:30:00.000Z',
      finished_at: null,
      inserted_at: '2026-12-04T09:30:00.000Z',
      updated_at: '2026-12-04T09:30:04.000Z',
    },
  });

/** GET scans/:scan_id: the run, and where to look at it when the instance says (TEMPORAL_UI_URL). */
export const scanRunDetailSchema = scanRunSchema
  .extend({
    links: z
      .object({ temporal_ui: z.url().meta({ description: "The run's page in the Temporal Web UI", example: 'http://127.0.0.1:8233/namespaces/default/workflows/scan-0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d' }) })
      .optional()
      .meta({ description: 'Present when TEMPORAL_UI_URL is set' }),
  })
  .meta({ id: 'ScanRunDetail' });

// ── findings ─────────────────────────────────────────────────────────────────────────────────

export const findingSchema = z
  .object({
    id: uuid,
    org_id: uuid,
    project_id: projectId,
    domain: z.enum(FindingDomain),
    check_id: z.string().meta({ example: 'security.csp_missing' }),
    title: z.string(),
    description: z.string(),
    severity: z.enum(Severity),
    severity_source: z.enum(SeveritySource),
    status: z.enum(FindingStatus),
    confidence: z.number(),
    priority: z.object({ impact: z.int(), effort: z.int(), risk: z.int(), score: z.int() }),
    priority_score: z.int(),
    score_source: z.enum(ScoreSource),
    owner_id: anyUuid.nullable(),
    affected_assets: z.array(z.looseObject({ type: z.string(), value: z.string() })),
    evidence: z.record(z.string(), z.unknown()).meta({ description: 'What the check saw; `source: "llm"` on findings of the AI review' }),
    recommended_fix: z
      .looseObject({ summary: z.string(), steps: z.array(z.string()) })
      .nullable()
      .meta({ description: 'The model\'s fix when `score_source` is `ai`, else null' }),
    verification_key: z.string().nullable(),
    first_seen_scan_id: uuid.nullable(),
    last_seen_scan_id: uuid.nullable(),
    inserted_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Finding' });

export const regressionSchema = z
  .object({
    id: uuid,
    finding_id: uuid,
    trigger: z.enum(RegressionTrigger),
    status: z.enum(RegressionStatus),
    scan_run_id: uuid.nullable(),
    verification_id: uuid.nullable(),
    opened_at: timestamp,
    closed_at: timestamp.nullable(),
  })
  .meta({ id: 'Regression' });

export const findingDetailSchema = findingSchema.extend({ regressions: z.array(regressionSchema) }).meta({ id: 'FindingDetail' });

// ── schedules ────────────────────────────────────────────────────────────────────────────────

export const scheduleSchema = z
  .object({
    id: uuid,
    org_id: uuid,
    project_id: projectId,
    url: z.string().meta({ example: 'https://example.com/' }),
    cron: z.string().nullable().meta({ description: 'The five-field expression, single-spaced; null for an interval' }),
    every: z.string().nullable().meta({ description: 'The interval as sent; null for a cron expression' }),
    every_seconds: z.int().nullable().meta({ description: 'The interval in seconds; null for a cron expression' }),
    timezone: z.literal('UTC'),
    overlap: z.literal('skip').meta({ description: 'A firing while the previous run is still going starts nothing' }),
    scanners: z.array(z.enum(SCANNERS)),
    crawl: z
      .object({ max_pages: z.int(), max_depth: z.int(), include: z.array(z.string()).optional(), exclude: z.array(z.string()).optional() })
      .nullable()
      .meta({ description: 'The crawl each firing runs; null: one page' }),
    paused: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({
    id: 'Schedule',
    example: {
      id: '5c0e7a52-8f1d-4b3e-9a6c-2d7f0e1b4c8a',
      org_id: '7d8a3f7e-1c2b-4e5f-8a9b-0c1d2e3f4a5b',
      project_id: 'production-website',
      url: 'https://example.com/',
      cron: null,
      every: '1d',
      every_seconds: 86400,
      timezone: 'UTC',
      overlap: 'skip',
      scanners: ['security', 'seo'],
      crawl: null,
      paused: false,
      created_at: '2026-12-04T09:30:00.000Z',
      updated_at: '2026-12-04T09:30:00.000Z',
    },
  });

export const scheduleRunSchema = z
  .object({
    id: uuid,
    kind: z.enum(ScheduleRunKind),
    scheduled_at: timestamp.meta({ description: 'When the schedule fired' }),
    status: z.enum(ScheduleRunStatus).meta({ description: '`started`: its scan (or crawl) was started (see `scan_status`, `crawl_status`); `failed`: it could not start one (`failure_reason`)' }),
    failure_reason: z.string().nullable().meta({ example: 'the scan could not be started' }),
    scan_id: uuid.nullable(),
    scan_status: z.enum(ScanStatus).nullable(),
    crawl_id: uuid.nullable().meta({ description: "A crawl schedule's run: the crawl it started" }),
    crawl_status: z.enum(CrawlStatus).nullable(),
    health_score: z.number().nullable().meta({ description: "The scan's health score; for a crawl, the average over its scanned pages" }),
    regression_count: z.int().min(0).meta({ description: 'Regressions this run\'s scan (or its crawl\'s page scans) opened: findings fixed before and detected again' }),
    regressions: z.array(regressionSchema).meta({ description: 'The newest 20 of them' }),
  })
  .meta({ id: 'ScheduleRun' });

export const scheduleDetailSchema = scheduleSchema
  .extend({
    paused: z.boolean().meta({ description: "The Temporal Schedule's state" }),
    next_run_at: timestamp.nullable().meta({ description: 'When it fires next, from Temporal; null while paused' }),
    recent_runs: z.array(scheduleRunSchema).meta({ description: 'The latest 20 firings, newest first' }),
  })
  .meta({ id: 'ScheduleDetail' });


export const findingEventSchema = z
  .object({
    id: uuid,
    finding_id: uuid,
    kind: z.enum(FindingEventKind),
    from_status: z.enum(FindingStatus).nullable(),
    status: z.enum(FindingStatus),
    from_severity: z.enum(Severity).nullable(),
    severity: z.enum(Severity),
    priority_score: z.int(),
    actor: z.string().meta({ description: 'Who: `api_key:<id>`, `scan:<id>`, `verification:<id>` or `policy`' }),
    reason: z.string().nullable().meta({ description: 'The `reason` sent with the edit, if any' }),
    created_at: timestamp,
  })
  .meta({ id: 'FindingEvent' });

export const bulkEditResultSchema = z
  .object({
    updated: z.int().min(0).meta({ description: 'How many findings actually changed' }),
    results: z.array(z.object({ id: uuid, status: z.enum(FindingStatus), severity: z.enum(Severity), owner_id: anyUuid.nullable() })),
  })
  .meta({ id: 'BulkEditResult' });

// ── command center ───────────────────────────────────────────────────────────────────────────

const openTaskStatuses = z.object(Object.fromEntries(OPEN_TASK_STATUSES.map((s) => [s, z.int()])) as Record<(typeof OPEN_TASK_STATUSES)[number], z.ZodInt>);

export const commandCenterSchema = z
  .object({
    latest_scan: z
      .object({ id: uuid, url: z.string(), status: z.enum(ScanStatus), finished_at: timestamp.nullable(), health_score: z.number().nullable() })
      .nullable(),
    findings: z.object({ open: z.int(), by_severity: severityCounts, by_domain: byDomain }),
    top_findings: z.array(findingSchema),
    tasks: z.object({
      open: z.int(),
      by_status: openTaskStatuses,
      past_sla: z.int(),
      past_sla_tasks: z.array(
        z.object({ id: uuid, finding_id: uuid, title: z.string(), status: z.enum(TaskStatus), priority: z.enum(TaskPriority), sla_due_at: timestamp }),
      ),
    }),
    verifications: z.object({
      awaiting_approval: z.int(),
      items: z.array(z.object({ id: uuid, task_id: uuid, finding_id: uuid, created_at: timestamp })),
    }),
    regressions: z.object({
      open: z.int(),
      items: z.array(z.object({ id: uuid, finding_id: uuid, trigger: z.enum(RegressionTrigger), opened_at: timestamp })),
    }),
  })
  .meta({ id: 'CommandCenter' });

// ── policies ─────────────────────────────────────────────────────────────────────────────────

export const policySchema = z
  .object({
    id: uuid,
    name: z.string(),
    org_id: uuid,
    project_id: projectId,
    config: z.record(z.string(), z.unknown()),
    active: z.boolean(),
    updated_at: timestamp,
  })
  .meta({ id: 'Policy' });

// ── notifications ───────────────────────────────────────────────────────────────────────────

export const channelSchema = z
  .object({
    id: uuid,
    type: z.enum(['slack', 'email', 'webhook']),
    name: z.string(),
    target: z.string().meta({ description: 'Where it goes, redacted (scheme and host, or the number of recipients)' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'NotificationChannel' });

export const createdChannelSchema = channelSchema
  .extend({
    signing_secret: z.string().nullable().meta({ description: 'Webhook only, and only in this answer: the key of Sitewarden-Signature' }),
  })
  .meta({ id: 'CreatedNotificationChannel' });

export const deliverySchema = z
  .object({
    id: uuid,
    event_id: uuid.nullable(),
    event_type: z.string().nullable(),
    channel_id: uuid.nullable(),
    channel: z.enum(['slack', 'email', 'webhook']),
    idempotency_key: z.string(),
    target: z.string(),
    status: z.enum(['pending', 'sending', 'delivered', 'failed']),
    attempts: z.int(),
    last_error: z.string().nullable(),
    response_code: z.int().nullable(),
    delivered_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'NotificationDelivery' });

export const routingPreviewSchema = z
  .object({
    routes: z.array(
      z.object({
        event_type: z.string(),
        severity: z.enum(Severity).nullable(),
        channels: z.array(z.object({ id: uuid, name: z.string(), type: z.enum(['slack', 'email', 'webhook']) })),
        trace: z.array(z.object({ key: z.string(), entry: z.string(), channel_ids: z.array(uuid) })),
      }),
    ),
    unmatched_entries: z.array(z.object({ key: z.string(), entry: z.string() })),
    unknown_keys: z.array(z.string()),
  })
  .meta({ id: 'AlertRoutingPreview', description: "Which of the project's channels each event would reach under this config's alert_routing" });

export const policySimulationSchema = z
  .object({
    simulated_findings: z.int(),
    escalated_to_critical: z.int(),
    config_preview: z.record(z.string(), z.unknown()),
    severities: severityCounts,
    counts_before: severityCounts,
    trace: z.array(
      z.object({
        finding_id: uuid,
        title: z.string(),
        domain: z.enum(FindingDomain),
        check_id: z.string(),
        from: z.enum(Severity),
        to: z.enum(Severity),
        rule: z.string().nullable().meta({ description: 'The deciding key as a path, or null when no rule covers the finding any more' }),
      }),
    ),
    alert_routing: routingPreviewSchema,
  })
  .meta({ id: 'PolicySimulation' });

// ── tasks and verifications ──────────────────────────────────────────────────────────────────

export const taskSchema = z
  .object({
    id: uuid,
    finding_id: uuid,
    title: z.string(),
    status: z.enum(TaskStatus),
    priority: z.enum(TaskPriority),
    owner_id: anyUuid.nullable(),
    sla_due_at: timestamp.nullable(),
    external_ticket_key: z.string().nullable(),
    pr_url: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Task' });

export const verificationSchema = z
  .object({
    id: uuid,
    task_id: uuid,
    finding_id: uuid,
    result: z.enum(VerificationResult),
    checks: z.array(
      z.object({
        key: z.string(),
        before: z.literal('failed'),
        after: z.enum(['pending', 'passed', 'failed']),
        status: z.enum(['running', 'passed', 'failed']),
        detail: z.string().optional(),
      }),
    ),
    verified_by_id: z.string().nullable(),
    verified_at: timestamp.nullable(),
    reopened_at: timestamp.nullable(),
    workflow_id: z.string(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Verification' });

// ── reports ──────────────────────────────────────────────────────────────────────────────────

const reportMetrics = {
  open_findings: z.int(),
  verification_pass_rate: z.number(),
  regression_rate: z.number(),
};

export const reportSummarySchema = z
  .object({
    risk_burn_down: z.array(z.object({ date: z.iso.date(), open_risk_score: z.number() })).meta({ description: 'The last seven days, oldest first' }),
    ...reportMetrics,
  })
  .meta({ id: 'ReportSummary' });

export const reportSchema = z
  .object({
    id: uuid,
    org_id: uuid,
    project_id: projectId,
    period_start: z.iso.date(),
    period_end: z.iso.date(),
    format: z.enum(ReportFormat),
    status: z.enum(ReportStatus),
    snapshot: z
      .looseObject({ export_url: z.string().nullable().meta({ description: 'A signed download link, made for each response; null until exported' }) })
      .meta({ description: 'The figures at export time, plus `export_url`' }),
    failure_reason: z.string().nullable(),
    sha256: z.string().nullable().meta({ description: 'Of the exported file, hex' }),
    exported_at: timestamp.nullable(),
    shared_at: timestamp.nullable(),
    workflow_id: z.string().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Report' });

export const reportShareSchema = z
  .object({
    id: uuid,
    channel: z.enum(['link', 'email', 'slack']),
    status: z.literal('shared'),
    recipients: z.array(z.string()),
    shared_at: timestamp,
    share_url: z.string().nullable().meta({ description: 'Channel link only' }),
    share_expires_at: timestamp.nullable(),
    delivery: z.object({ id: uuid, status: z.literal('pending') }).nullable().meta({ description: 'Email and Slack: the delivery, sent by a workflow' }),
  })
  .meta({ id: 'ReportShare' });

export const reportEvidenceSchema = z
  .object({
    envelope: z.object({
      payloadType: z.string(),
      payload: z.string().meta({ description: 'base64 of the statement' }),
      signatures: z.array(z.object({ keyid: z.string(), sig: z.string() })),
    }),
    statement: z.record(z.string(), z.unknown()).meta({ description: 'The decoded in-toto statement' }),
  })
  .meta({ id: 'ReportEvidence', description: 'A DSSE envelope signed with the instance key (GET /api/v1/signing-key)' });

// ── integrations ─────────────────────────────────────────────────────────────────────────────

const integrationStatus = z.enum(['connected', 'disconnected', 'syncing', 'error']);

export const connectedIntegrationSchema = z
  .object({
    id: uuid,
    org_id: uuid,
    project_id: projectId,
    provider: z.enum(PROVIDERS),
    status: integrationStatus,
    last_sync_at: timestamp.nullable(),
    /** Beyond Krafter's row: why the last sync ended in `error`. */
    last_error: z.string().nullable().meta({ description: 'Why the last sync failed (status `error`); null otherwise' }),
    base_url: z.string().nullable().meta({ description: "The API base it was connected with; null: the provider's public API" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Integration', description: 'A connected (or once connected) provider; credentials are never returned' });

export const placeholderIntegrationSchema = z
  .object({
    id: z.null(),
    provider: z.enum(PROVIDERS),
    status: z.literal('disconnected'),
    credentials: z.object({}).strict(),
    last_sync_at: z.null(),
    inserted_at: z.null(),
    updated_at: z.null(),
  })
  .meta({ id: 'IntegrationPlaceholder', description: "Krafter's never-connected row" });

export const integrationListSchema = z
  .object({ data: z.array(z.union([connectedIntegrationSchema, placeholderIntegrationSchema])).length(PROVIDERS.length), meta: z.object({ request_id: requestIdSchema }), error: z.null() })
  .meta({ id: 'IntegrationList', description: 'Always one row per provider, in Krafter\'s order; not paginated' });

// ── drift guards: each serializer's keys are exactly its schema's ────────────────────────────

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type KeysMatch<F extends (...args: never[]) => unknown, S extends z.ZodType> = Same<keyof ReturnType<F>, keyof z.infer<S>>;
const keysMatch = <T extends true>(): T | undefined => undefined;
keysMatch<KeysMatch<typeof serializeScanRun, typeof scanRunSchema>>();
keysMatch<KeysMatch<typeof serializeFinding, typeof findingSchema>>();
keysMatch<KeysMatch<typeof serializeRegression, typeof regressionSchema>>();
keysMatch<KeysMatch<typeof serializeFindingEvent, typeof findingEventSchema>>();
keysMatch<KeysMatch<typeof serializePolicy, typeof policySchema>>();
keysMatch<KeysMatch<typeof serializeTask, typeof taskSchema>>();
keysMatch<KeysMatch<typeof serializeVerification, typeof verificationSchema>>();
keysMatch<KeysMatch<typeof serializeReport, typeof reportSchema>>();
keysMatch<KeysMatch<typeof serializeConnectedIntegration, typeof connectedIntegrationSchema>>();
keysMatch<KeysMatch<typeof serializePlaceholderIntegration, typeof placeholderIntegrationSchema>>();
keysMatch<KeysMatch<typeof serializeChannel, typeof channelSchema>>();
keysMatch<KeysMatch<typeof serializeDelivery, typeof deliverySchema>>();
keysMatch<KeysMatch<typeof serializeSchedule, typeof scheduleSchema>>();
keysMatch<KeysMatch<typeof serializeScheduleRun, typeof scheduleRunSchema>>();
keysMatch<KeysMatch<typeof serializeScheduleDetail, typeof scheduleDetailSchema>>();

// ── account and projects ─────────────────────────────────────────────────────────────────────

export const meSchema = z
  .object({
    org_id: z.uuid(),
    key_prefix: z.string().meta({ description: "The key's first characters, as `admin keys list` shows them; never the key" }),
    scopes: z.array(z.enum(SCOPES)),
  })
  .meta({ id: 'Me' });

export const projectSettingsSchema = z
  .object({
    lighthouse_runs: z.union([z.literal(1), z.literal(3), z.literal(5)]).meta({ description: 'Lighthouse runs per look at a page; the median run is kept (docs/scanning.md, "Stable lab figures")' }),
  })
  .meta({ id: 'ProjectSettings', description: 'Every setting, defaults filled in' });

export const projectSchema = z
  .object({ id: z.string(), org_id: z.uuid(), name: z.string(), settings: projectSettingsSchema, created_at: timestamp })
  .meta({ id: 'Project' });

// ── site-auth ────────────────────────────────────────────────────────────────────────────────

export const siteAuthSchema = z
  .object({
    type: z.enum(['headers', 'cookies', 'login']),
    origin: z.string().meta({ description: 'The only origin the credentials are sent to', example: 'https://example.com' }),
    headers: z.array(z.string()).optional().meta({ description: 'type headers: the header names' }),
    cookies: z.array(z.object({ name: z.string(), path: z.string() })).optional().meta({ description: 'type cookies: the cookie names and paths' }),
    login: z
      .object({
        url: z.string(),
        fields: z.array(z.string()).meta({ description: 'The CSS selectors filled in' }),
        submit: z.string(),
        success: z.union([z.object({ url: z.string() }), z.object({ selector: z.string() })]),
      })
      .optional()
      .meta({ description: 'type login: the recipe without its values' }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'SiteAuth', description: 'Names and types only: values are never returned' });
