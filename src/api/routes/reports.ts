import { randomUUID } from 'node:crypto';
import { Router, type Request } from 'express';
import type { z } from 'zod';
import { checkTargetUrl } from '../../gather/ssrf/url-guard.ts';
import type { Prisma, Report } from '../../generated/prisma/client.ts';
import { resolveInstanceSecret } from '../../platform/crypto.ts';
import { encryptSecret } from '../../platform/secrets.ts';
import type { DsseEnvelope } from '../../platform/signing.ts';
import { createStorage } from '../../platform/storage/index.ts';
import { kickoffReportExport, kickoffReportShare } from '../../reports/kickoff.ts';
import { createReportLinks } from '../../reports/links.ts';
import { webhookPurpose, type ShareDeliveryPayload, type ShareNotice } from '../../reports/messages.ts';
import { loadMetrics, loadSummary } from '../../reports/summary-queries.ts';
import type { ApiDeps } from '../deps.ts';
import { sendData } from '../envelope.ts';
import { ApiError, invalidParams, notFound } from '../errors.ts';
import { requireScope } from '../middleware/auth.ts';
import { afterCursor, orderNewestFirst, toPage } from '../pagination.ts';
import { exportReportBody, reportListQuery, reportSummaryQuery, shareReportBody } from '../schemas/requests.ts';
import { serializeReport } from '../serializers/report.ts';
import { parseBody, parseQuery, uuidParam } from '../validation.ts';

export function reportsRouter({ config, db, temporal }: ApiDeps): Router {
  const { prisma } = db;
  const router = Router({ mergeParams: true });
  const secret = resolveInstanceSecret(config);
  const links = createReportLinks({
    secret,
    storage: createStorage(config),
    publicBaseUrl: config.PUBLIC_BASE_URL,
    exportTtlSeconds: config.EXPORT_URL_TTL_SECONDS,
    shareTtlSeconds: config.SHARE_URL_TTL_SECONDS,
  });
  const origin = (req: Request) => `${req.protocol}://${req.get('host')}`;
  const present = async (req: Request, report: Report) => serializeReport(report, await links.exportUrl(report, origin(req)));

  router.get('/reports/summary', requireScope('audit:read'), async (req, res) => {
    parseQuery(req, reportSummaryQuery);
    const { orgId, projectId } = res.locals.tenant;
    sendData(res, 200, await loadSummary(prisma, { orgId, projectId }, new Date()));
  });

  router.post('/reports/export', requireScope('audit:write'), async (req, res) => {
    const { format } = parseBody(req, exportReportBody);
    const { orgId, projectId } = res.locals.tenant;
    const snapshot = (await loadMetrics(prisma, { orgId, projectId })) as unknown as Prisma.InputJsonObject;
    const report = await kickoffReportExport(prisma, temporal, config, { orgId, projectId, format, snapshot });
    sendData(res, 202, await present(req, report));
  });

  /** Krafter: shares the project's latest report; there is no report id. */
  router.post('/reports/share', requireScope('audit:write'), async (req, res) => {
    const body = parseBody(req, shareReportBody);
    const webhook = checkShareTarget(body);
    const { orgId, projectId } = res.locals.tenant;
    const report = await prisma.report.findFirst({ where: { org_id: orgId, project_id: projectId }, orderBy: orderNewestFirst('created_at') });
    if (!report) throw new ApiError('conflict', 'There is no report to share: export one first (POST reports/export)');
    if (report.status !== 'exported' && report.status !== 'shared') {
      throw new ApiError('conflict', `The latest report is ${report.status}: only an exported report can be shared`);
    }
    // A link that leaves in a message (email, Slack) names PUBLIC_BASE_URL only, never the host the
    // request claims: a forged Host header would otherwise send recipients to another site.
    const share = links.shareUrl(report, body.channel === 'link' ? origin(req) : null);
    const sharedAt = new Date();
    let deliveryId: string | null = null;
    if (body.channel !== 'link') {
      deliveryId = randomUUID();
      await kickoffReportShare(prisma, temporal, config.TEMPORAL_TASK_QUEUE, {
        id: deliveryId,
        orgId,
        projectId,
        channel: body.channel,
        reportId: report.id,
        target: webhook ? redactWebhook(webhook) : body.recipients!.join(', '),
        payload: sharePayload(report, share, body, webhook, deliveryId) as unknown as Prisma.InputJsonObject,
      });
    }
    await prisma.report.update({ where: { id: report.id }, data: { status: 'shared', shared_at: sharedAt } });
    sendData(res, 200, {
      id: report.id,
      channel: body.channel,
      status: 'shared',
      recipients: body.recipients ?? [],
      shared_at: sharedAt.toISOString(),
      share_url: body.channel === 'link' ? share.url : null,
      share_expires_at: body.channel === 'link' ? share.expiresAt.toISOString() : null,
      delivery: deliveryId ? { id: deliveryId, status: 'pending' } : null,
    });
  });

  router.get('/reports', requireScope('audit:read'), async (req, res) => {
    const { cursor, limit } = parseQuery(req, reportListQuery);
    const { orgId, projectId } = res.locals.tenant;
    const scope = { org_id: orgId, project_id: projectId };
    const [rows, total] = await Promise.all([
      prisma.report.findMany({ where: { ...scope, ...afterCursor(cursor, 'created_at') }, orderBy: orderNewestFirst('created_at'), take: limit + 1 }),
      prisma.report.count({ where: scope }),
    ]);
    const page = toPage(rows, limit, (row) => row.created_at);
    sendData(res, 200, await Promise.all(page.items.map((report) => present(req, report))), { total, next_cursor: page.nextCursor });
  });

  router.get('/reports/:report_id', requireScope('audit:read'), async (req, res) => {
    sendData(res, 200, await present(req, await findReport(req, res.locals.tenant)));
  });

  router.get('/reports/:report_id/evidence', requireScope('audit:read'), async (req, res) => {
    const report = await findReport(req, res.locals.tenant);
    if (!report.evidence) throw new ApiError('not_found', `Report ${report.id} has no evidence: it is ${report.status}, not exported`);
    const envelope = report.evidence as unknown as DsseEnvelope;
    sendData(res, 200, { envelope, statement: JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) });
  });

  async function findReport(req: Request, tenant: { orgId: string; projectId: string }): Promise<Report> {
    const id = uuidParam.safeParse(req.params.report_id);
    if (!id.success) throw notFound();
    const report = await prisma.report.findFirst({ where: { id: id.data, org_id: tenant.orgId, project_id: tenant.projectId } });
    if (!report) throw notFound();
    return report;
  }

  /** Each channel's own field is required, and only its own is accepted; a webhook must be a public URL. */
  function checkShareTarget(body: z.infer<typeof shareReportBody>): URL | null {
    const only = (field: 'recipients' | 'webhook_url', channel: string) =>
      body[field] !== undefined && body.channel !== channel ? { [field]: [`is only for channel ${channel}`] } : {};
    const misplaced = { ...only('recipients', 'email'), ...only('webhook_url', 'slack') };
    if (Object.keys(misplaced).length) throw invalidParams(misplaced);
    if (body.channel === 'email') {
      if (!body.recipients) throw invalidParams({ recipients: ['is required for channel email'] });
      if (!config.SMTP_URL) throw invalidParams({ channel: ['email is not configured on this instance (SMTP_URL)'] });
    }
    if (body.channel !== 'slack') return null;
    if (!config.PUBLIC_BASE_URL) throw invalidParams({ channel: ['slack needs PUBLIC_BASE_URL on this instance: links in messages never name the request’s host'] });
    if (!body.webhook_url) throw invalidParams({ webhook_url: ['is required for channel slack'] });
    const target = checkTargetUrl(body.webhook_url, config.allowlist);
    if (!target.ok) throw invalidParams({ webhook_url: [target.reason] });
    return target.url;
  }

  function sharePayload(report: Report, share: { url: string; expiresAt: Date }, body: z.infer<typeof shareReportBody>, webhook: URL | null, deliveryId: string): ShareDeliveryPayload {
    const snapshot = report.snapshot as Record<string, unknown>;
    const number = (key: string) => (typeof snapshot[key] === 'number' ? (snapshot[key] as number) : null);
    const notice: ShareNotice = {
      projectId: report.project_id,
      format: report.format,
      exportedAt: typeof snapshot.exported_at === 'string' ? snapshot.exported_at : null,
      healthScore: number('health_score'),
      openFindings: number('open_findings') ?? 0,
      findingsInReport: number('finding_count') ?? 0,
      shareUrl: share.url,
      shareExpiresAt: share.expiresAt.toISOString(),
    };
    return {
      report_id: report.id,
      notice,
      ...(body.recipients ? { recipients: body.recipients } : {}),
      ...(webhook ? { webhook_url_encrypted: encryptSecret(webhook.href, secret, webhookPurpose(deliveryId)) } : {}),
    };
  }

  return router;
}

/** A webhook URL's path is its credential: only the origin and the first segment are kept in the clear. */
function redactWebhook(url: URL): string {
  const [first] = url.pathname.split('/').filter(Boolean);
  return `${url.origin}/${first ? `${first}/` : ''}…`;
}
