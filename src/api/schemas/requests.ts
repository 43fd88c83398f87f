import { z } from 'zod';
import { MAX_RULE_KEY_CHARS, MAX_SEVERITY_RULES } from '../../domain/policy.ts';
import { SCANNERS } from '../../domain/scanners.ts';
import type { FindingEdit } from '../../domain/finding-edits.ts';
import { FindingDomain, FindingStatus, ReportFormat, Severity, TaskPriority, TaskStatus } from '../../generated/prisma/enums.ts';
import { FINDING_SORTS } from '../../domain/finding-order.ts';
import { projectSettingsPatchSchema } from '../../domain/project-settings.ts';
import { channelConfigSchemas } from '../../domain/notifications.ts';
import { crawlOptionsSchema } from '../../domain/schedule-spec.ts';
import { cursorPageQuery, storedJsonObject } from '../validation.ts';

/**
 * What the routes parse requests with. The OpenAPI document (openapi.ts) is generated from these
 * very objects, so the document cannot say something the routes do not check.
 */

// ── scans ────────────────────────────────────────────────────────────────────────────────────

const scannersField = z
  .array(z.enum(SCANNERS))
  .min(1)
  .transform((names) => SCANNERS.filter((s) => names.includes(s)))
  .default([...SCANNERS])
  .meta({ description: 'Which scanners to run; default all four' });

export const runScanBody = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({ description: 'http(s) URL to audit; must be public (see docs/api.md, "URL rules")', example: 'https://example.com/' }),
    trigger: z.enum(['manual', 'scheduled', 'post_deploy']).default('manual'),
    scanners: scannersField,
  })
  .meta({ id: 'RunScanRequest', example: { url: 'https://example.com/', trigger: 'manual', scanners: ['security', 'seo'] } });

export const scanListQuery = cursorPageQuery;

// ── schedules ────────────────────────────────────────────────────────────────────────────────

/**
 * POST schedules. The grammar of `cron` and `every` is checked by the route (domain/schedule-spec.ts:
 * the floor of `every` is the instance's), so here they are strings; exactly one of them is given.
 */
export const createScheduleBody = z
  .strictObject({
    url: z.string().min(1).max(2048).meta({ description: 'http(s) URL to audit; the same rules as POST scans/run', example: 'https://example.com/' }),
    cron: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .meta({ description: 'A standard five-field cron expression (minute hour day-of-month month day-of-week), in UTC; no seconds, no nicknames, no L/W/#', example: '0 3 * * *' }),
    every: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: 'A duration with a unit ("1m", "6h", "1d", "90 seconds"), at least one minute; intervals count from the Unix epoch, UTC', example: '6h' }),
    scanners: scannersField,
    crawl: crawlOptionsSchema.optional().meta({ description: 'Run a crawl of the site from `url` instead of one page (docs/schedules.md)' }),
  })
  .superRefine((body, ctx) => {
    if (body.cron === undefined && body.every === undefined) ctx.addIssue({ code: 'custom', path: ['cron'], message: 'give exactly one of cron and every' });
    if (body.cron !== undefined && body.every !== undefined) ctx.addIssue({ code: 'custom', path: ['every'], message: 'give exactly one of cron and every, not both' });
  })
  .meta({ id: 'CreateScheduleRequest', example: { url: 'https://example.com/', every: '1d', scanners: ['security', 'seo'] } });

export const updateScheduleBody = z
  .strictObject({ paused: z.boolean().meta({ description: 'Pause (no firing until resumed) or resume the schedule' }) })
  .meta({ id: 'UpdateScheduleRequest', example: { paused: true } });

export const scheduleListQuery = cursorPageQuery;

// ── findings ─────────────────────────────────────────────────────────────────────────────────

/** Krafter pages findings by offset, not cursor: `meta.next_cursor` is always null. */
export const findingListQuery = z.strictObject({
  severity: z.enum(Severity).optional(),
  status: z.enum(FindingStatus).optional(),
  domain: z.enum(FindingDomain).optional(),
  // The findings a scan saw: last_seen_scan_id, which a later scan seeing them again takes over.
  scan_id: z
    .guid()
    .transform((id) => id.toLowerCase())
    .optional()
    .meta({ description: 'Only the findings this scan saw last (`last_seen_scan_id`)' }),
  sort: z
    .enum(FINDING_SORTS)
    .default('-priority_score')
    .meta({
      description:
        'The order of the whole list, before paging: a field, descending with a leading `-`. `-severity` puts critical first, `status` follows the workflow ' +
        '(new → dismissed), `domain` the order security, performance, accessibility, seo. Ties: newest first. Default `-priority_score` (Krafter\'s order).',
    }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** Any 8-4-4-4-12 hex id, as PostgreSQL's uuid takes it (Krafter's own examples are not RFC 4122). */
const anyUuid = z.guid().transform((id) => id.toLowerCase());

const editFields = {
  status: z.enum(FindingStatus).optional(),
  severity: z.enum(Severity).optional(),
  owner_id: anyUuid.nullable().optional(),
  reason: z.string().trim().min(1).max(500).optional().meta({ description: "Why: kept on the change's history events (GET findings/{finding_id}/events)" }),
};
const changesSomething = (edit: FindingEdit) => edit.status !== undefined || edit.severity !== undefined || edit.owner_id !== undefined;
const NOTHING_TO_CHANGE = 'give at least one of status, severity, owner_id';

export const editFindingBody = z
  .strictObject(editFields)
  .refine(changesSomething, NOTHING_TO_CHANGE)
  .meta({ id: 'EditFindingRequest', description: 'At least one of status, severity, owner_id', example: { status: 'triaged', severity: 'high' } });

export const findingEventListQuery = cursorPageQuery;

export const BULK_EDIT_MAX_IDS = 500;
export const bulkEditFindingsBody = z
  .strictObject({
    ids: z
      .array(anyUuid)
      .min(1)
      .max(BULK_EDIT_MAX_IDS)
      .superRefine((ids, ctx) => {
        const firstIndex = new Map<string, number>();
        ids.forEach((id, index) => {
          const first = firstIndex.get(id);
          if (first === undefined) firstIndex.set(id, index);
          else ctx.addIssue({ code: 'custom', path: [index], message: `repeats ids.${first}` });
        });
      })
      .meta({ description: 'Distinct finding ids' }),
    ...editFields,
  })
  .refine(changesSomething, NOTHING_TO_CHANGE)
  .meta({
    id: 'BulkEditFindingsRequest',
    description: 'All or nothing: at least one of status, severity, owner_id',
    example: { ids: ['5f1c7a52-3e0b-4a8e-9d43-0c6f2b7e9a10'], status: 'dismissed' },
  });

// ── policies ─────────────────────────────────────────────────────────────────────────────────

/**
 * Free-form JSON, but `severity_rules` is bounded: no rule key longer than any check id could be
 * and a bounded number of entries, so applying a config costs the same whatever it holds.
 */
const policyConfig = storedJsonObject
  .superRefine((config, ctx) => {
    const rules = config.severity_rules;
    if (typeof rules !== 'object' || rules === null || Array.isArray(rules)) return;
    const keys = Object.keys(rules);
    if (keys.length > MAX_SEVERITY_RULES) {
      ctx.addIssue({ code: 'custom', path: ['severity_rules'], message: `must have at most ${MAX_SEVERITY_RULES} entries` });
    }
    if (keys.some((key) => key.length > MAX_RULE_KEY_CHARS)) {
      ctx.addIssue({ code: 'custom', path: ['severity_rules'], message: `keys must be at most ${MAX_RULE_KEY_CHARS} characters` });
    }
  })
  .meta({
    // z.custom has no JSON Schema of its own: this is what it accepts.
    override: {
      type: 'object',
      properties: {
        // No `type`: any value is accepted, and only an object's entries count; the bounds below
        // apply to objects only (JSON Schema's object keywords ignore other types).
        severity_rules: {
          maxProperties: MAX_SEVERITY_RULES,
          propertyNames: { maxLength: MAX_RULE_KEY_CHARS },
          description: `A domain, check module or check id → ${Object.values(Severity).join('|')}; the most specific key wins. Entries of other shapes are ignored, not refused.`,
        },
      },
    },
    description: 'Free-form JSON object stored as sent (jsonb limits apply: no NUL, no lone surrogates, depth ≤ 64)',
    example: { severity_rules: { security: 'critical', 'seo.meta_description_missing': 'low' }, sla_hours: { critical: 24, high: 72 } },
  });

export const replacePolicyBody = z
  .strictObject({
    name: z.string().min(1).max(200).refine((name) => name.trim().length > 0, 'must not be blank'),
    config: policyConfig,
  })
  .meta({ id: 'ReplacePolicyRequest' });

export const testPolicyBody = z.strictObject({ config: policyConfig }).meta({ id: 'TestPolicyRequest' });

// ── tasks ────────────────────────────────────────────────────────────────────────────────────

const editable = {
  title: z.string().trim().min(1).max(300),
  priority: z.enum(TaskPriority),
  owner_id: z.uuid().nullable(),
  sla_due_at: z.iso.datetime({ offset: true }).nullable(),
  external_ticket_key: z.string().trim().min(1).max(100).nullable(),
  pr_url: z.url({ protocol: /^https?$/ }).max(2048).nullable(),
};

export const createTaskBody = z
  .strictObject({
    finding_id: z.uuid(),
    title: editable.title.optional().meta({ description: "Default: the finding's title" }),
    priority: editable.priority.default('medium'),
    owner_id: editable.owner_id.optional(),
    sla_due_at: editable.sla_due_at.optional().meta({ description: "Default: from the policy's sla_hours for the finding's severity" }),
    external_ticket_key: editable.external_ticket_key.optional(),
    pr_url: editable.pr_url.optional(),
  })
  .meta({ id: 'CreateTaskRequest', example: { finding_id: '5f1c7a52-3e0b-4a8e-9d43-0c6f2b7e9a10', priority: 'high', external_ticket_key: 'SEC-142' } });

export const updateTaskBody = z
  .strictObject({
    title: editable.title.optional(),
    status: z.enum(TaskStatus).optional().meta({ description: '`done` is reached by approving a verification, never set' }),
    priority: editable.priority.optional(),
    owner_id: editable.owner_id.optional(),
    sla_due_at: editable.sla_due_at.optional(),
    external_ticket_key: editable.external_ticket_key.optional(),
    pr_url: editable.pr_url.optional(),
    // Named so that trying to change it gets its own message.
    finding_id: z.unknown().optional().meta({ description: 'Cannot be changed: any value is refused (422)' }),
  })
  .refine((body) => Object.keys(body).length > 0, { message: 'give at least one field to change' })
  .meta({ id: 'UpdateTaskRequest', example: { status: 'in_progress', pr_url: 'https://github.com/acme/site/pull/42' } });

export const taskListQuery = cursorPageQuery.extend({ status: z.enum(TaskStatus).optional() });

// ── verifications ────────────────────────────────────────────────────────────────────────────

export const runVerificationBody = z
  .strictObject({ task_id: z.uuid() })
  .meta({ id: 'RunVerificationRequest', example: { task_id: '0b6f9c1e-2d4a-4f5b-8c7d-9e0f1a2b3c4d' } });

export const verificationListQuery = cursorPageQuery;

// ── reports ──────────────────────────────────────────────────────────────────────────────────

/** Krafter accepts the date filters and ignores them: the figures are always today's. */
export const reportSummaryQuery = z.strictObject({
  date_from: z.string().max(64).optional().meta({ description: "Accepted and ignored (Krafter's): the figures are always today's" }),
  date_to: z.string().max(64).optional().meta({ description: "Accepted and ignored (Krafter's): the figures are always today's" }),
});

export const exportReportBody = z.strictObject({ format: z.enum(ReportFormat) }).meta({ id: 'ExportReportRequest', example: { format: 'pdf' } });

export const shareReportBody = z
  .strictObject({
    channel: z.enum(['link', 'email', 'slack']),
    recipients: z.array(z.email()).min(1).max(50).optional().meta({ description: 'Required for, and only for, channel email' }),
    webhook_url: z.string().min(1).max(2048).optional().meta({ description: 'Required for, and only for, channel slack; a public https URL' }),
  })
  .meta({ id: 'ShareReportRequest', example: { channel: 'email', recipients: ['security@example.com'] } });

export const reportListQuery = cursorPageQuery;

// ── integrations ─────────────────────────────────────────────────────────────────────────────

/** Each provider's fields are checked by the service (integrations/providers.ts), so the error names the field. */
export const connectIntegrationBody = z
  .strictObject({
    credentials: z.record(z.string(), z.unknown()).meta({
      description:
        'github `{token, owner, repo}`, gitlab `{token, project_id}`, jira `{email, api_token, project_key, issue_type?}`, linear `{api_key, team_id}`. ' +
        'Checked by a call to the provider, stored AES-256-GCM encrypted, never returned.',
      example: { token: 'ghp_…', owner: 'acme', repo: 'website' },
    }),
    base_url: z.string().max(2048).optional().meta({
      description: 'The API base: GitHub Enterprise (`https://ghe.example.com/api/v3`), self-managed GitLab, your Jira site (required for jira), Linear\'s GraphQL endpoint. Public https hosts only.',
    }),
  })
  .meta({ id: 'ConnectIntegrationRequest' });

// ── notifications ───────────────────────────────────────────────────────────────────────────

const channelName = z.string().trim().min(1).max(100);

/** One member per type; the service checks a URL against the SSRF guard besides (services/notification-channels.ts). */
export const createChannelBody = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('slack'), name: channelName, config: channelConfigSchemas.slack }),
    z.strictObject({ type: z.literal('webhook'), name: channelName, config: channelConfigSchemas.webhook }),
    z.strictObject({ type: z.literal('email'), name: channelName, config: channelConfigSchemas.email }),
  ])
  .meta({
    id: 'CreateChannelRequest',
    description: 'slack {webhook_url}, webhook {url}, email {to}; encrypted at rest, never returned',
    example: { type: 'webhook', name: 'ops-hook', config: { url: 'https://hooks.example.com/sitewarden' } },
  });

export const deliveryListQuery = cursorPageQuery.extend({
  status: z.enum(['pending', 'sending', 'delivered', 'failed']).optional(),
  channel_id: z.uuid().optional(),
  event_id: z.uuid().optional(),
  event_type: z.string().min(1).max(64).optional(),
});

// ── account and projects ─────────────────────────────────────────────────────────────────────

export const projectListQuery = cursorPageQuery;

export const createProjectBody = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be lowercase letters, digits and dashes (at most 64), starting and ending with a letter or digit')
      .meta({ description: "The project's slug, its id in every audit path", example: 'marketing-site' }),
    name: z.string().trim().min(1).max(200).optional().meta({ description: 'Display name; the slug when absent', example: 'Marketing site' }),
  })
  .meta({ id: 'CreateProjectRequest', example: { id: 'marketing-site', name: 'Marketing site' } });

export const updateProjectBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional().meta({ description: 'Display name', example: 'Marketing site' }),
    settings: projectSettingsPatchSchema.optional().meta({ description: 'The settings to change; one left out keeps its value' }),
  })
  .refine((body) => body.name !== undefined || body.settings !== undefined, { message: 'must change name or settings', path: ['settings'] })
  .meta({ id: 'UpdateProjectRequest', example: { settings: { lighthouse_runs: 3 } } });

// ── site-auth ────────────────────────────────────────────────────────────────────────────────

export { siteAuthBody } from '../../domain/site-auth.ts';
