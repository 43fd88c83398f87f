import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { Prisma, type Report } from '../../generated/prisma/client.ts';
import type { ReportFormat } from '../../generated/prisma/enums.ts';
import type { Config } from '../../platform/config.ts';
import type { Db } from '../../platform/db.ts';
import { activeSigningKey, signEnvelope, SigningKeyUnavailable } from '../../platform/signing.ts';
import { StorageError, type ObjectStorage } from '../../platform/storage/index.ts';
import { csvReport } from '../../reports/csv.ts';
import { exportStatement, IN_TOTO_PAYLOAD_TYPE } from '../../reports/evidence.ts';
import { htmlReport } from '../../reports/html.ts';
import { jsonReport } from '../../reports/json.ts';
import { artifactKey, artifactName, DOMAINS, evidenceKey, FORMATS, healthScoreOf, securityGradeOf, SEVERITIES, viewKey, type ReportContext, type ReportMetrics, type ReportScanRun } from '../../reports/model.ts';
import { sarifReport } from '../../reports/sarif.ts';
import { REPORT_PDF_TIMEOUT_MS, REPORT_SNAPSHOT_TIMEOUT_MS } from '../../domain/activity-timeouts.ts';
import { burnDownDates } from '../../domain/report-summary.ts';
import { loadMetrics } from '../../reports/summary-queries.ts';
import { heartbeating } from '../heartbeat.ts';
import { copyFindingSource, openFindingSource, type FindingSource } from './finding-source.ts';
import { recordNotificationEvent } from '../../services/notification-outbox.ts';

export interface ExportPlan {
  format: ReportFormat;
  /** PDFs are printed by Chromium: on the browser queue, like Lighthouse and axe. */
  browserTaskQueue: string;
}

/** What the workflow learns about the artifact: a reference and its facts, never its bytes. */
export interface WrittenArtifact {
  name: string;
  storageKey: string;
  contentType: string;
  sha256: string;
  bytes: number;
  findingCount: number;
  findingsTotal: number;
  scanRuns: ReportScanRun[];
  metrics: ReportMetrics;
  healthScore: number | null;
  exportedAt: string;
}

export interface ReportExportDeps {
  prisma: Db;
  config: Config;
  storage: ObjectStorage;
  secret: string;
}

// The snapshot's transaction only copies the findings to a local file; the builder activity's
// timeout (ReportExportWorkflow) covers the whole build (src/domain/activity-timeouts.ts).
const PDF_TIMEOUT_MS = REPORT_PDF_TIMEOUT_MS;
const SNAPSHOT_TIMEOUT_MS = REPORT_SNAPSHOT_TIMEOUT_MS;

/**
 * ReportExportWorkflow's I/O. The artifact is built from one repeatable-read snapshot of the
 * project: a short transaction copies the findings to a temporary file and reads the counts,
 * then ends; the artifact is built from that file and streamed to storage with no transaction
 * open, however slow the upload. Only its facts go back to the workflow. Every update is
 * guarded by the report's status, so retries change nothing twice.
 */
export function createReportExportActivities({ prisma, config, storage, secret }: ReportExportDeps) {
  const activities = {
    async startReportExport(reportId: string): Promise<ExportPlan> {
      await prisma.report.updateMany({ where: { id: reportId, status: 'queued' }, data: { status: 'exporting' } });
      const report = await prisma.report.findUnique({ where: { id: reportId }, select: { format: true } });
      if (!report) throw ApplicationFailure.nonRetryable(`report ${reportId} does not exist`, 'ReportNotFound');
      return { format: report.format, browserTaskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE };
    },

    async writeReportArtifact(reportId: string): Promise<WrittenArtifact> {
      const report = await prisma.report.findUnique({ where: { id: reportId } });
      if (!report) throw ApplicationFailure.nonRetryable(`report ${reportId} does not exist`, 'ReportNotFound');
      try {
        return await heartbeating((signal) => writeArtifact(report, signal));
      } catch (err) {
        if (err instanceof StorageError && err.permanent) throw ApplicationFailure.nonRetryable(err.message, 'StorageRefused');
        throw err;
      }
    },

    /** Signs the artifact's facts, stores the envelope beside it, and marks the report exported. */
    async recordReportExport(reportId: string, artifact: WrittenArtifact): Promise<void> {
      const report = await prisma.report.findUniqueOrThrow({ where: { id: reportId } });
      if (report.status !== 'exporting') return;
      let key;
      try {
        key = await activeSigningKey(prisma, secret);
      } catch (err) {
        if (err instanceof SigningKeyUnavailable) throw ApplicationFailure.nonRetryable(err.message, 'SigningKeyUnavailable');
        throw err;
      }
      const statement = exportStatement({
        name: artifact.name,
        sha256: artifact.sha256,
        report: {
          id: report.id,
          org_id: report.org_id,
          project_id: report.project_id,
          format: report.format,
          storage_key: artifact.storageKey,
          media_type: artifact.contentType,
          size_bytes: artifact.bytes,
        },
        scanRuns: artifact.scanRuns,
        findingCount: artifact.findingCount,
        exportedAt: artifact.exportedAt,
      });
      const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key);
      try {
        await storage.put(evidenceKey(report), Readable.from([`${JSON.stringify(envelope, null, 2)}\n`]), 'application/json');
      } catch (err) {
        if (err instanceof StorageError && err.permanent) throw ApplicationFailure.nonRetryable(err.message, 'StorageRefused');
        throw err;
      }
      await prisma.$transaction(async (tx) => {
        const { count } = await tx.report.updateMany({
          where: { id: reportId, status: 'exporting' },
          data: {
            status: 'exported',
            storage_key: artifact.storageKey,
            sha256: artifact.sha256,
            evidence: envelope as unknown as Prisma.InputJsonObject,
            failure_reason: null,
            snapshot: {
              ...(report.snapshot as Prisma.JsonObject),
              ...artifact.metrics,
              health_score: artifact.healthScore,
              exported_at: artifact.exportedAt,
              finding_count: artifact.findingCount,
              findings_total: artifact.findingsTotal,
              size_bytes: artifact.bytes,
              content_type: artifact.contentType,
              scan_run_ids: artifact.scanRuns.map((run) => run.id),
            },
          },
        });
        if (count) {
          await recordNotificationEvent(tx, {
            orgId: report.org_id,
            projectId: report.project_id,
            type: 'report.exported',
            data: { report_id: reportId, format: report.format, sha256: artifact.sha256, finding_count: artifact.findingCount, size_bytes: artifact.bytes },
          });
        }
      });
    },

    async failReportExport(reportId: string, reason: string): Promise<void> {
      await prisma.report.updateMany({
        where: { id: reportId, status: { in: ['queued', 'exporting'] } },
        data: { status: 'failed', failure_reason: reason.slice(0, 1_000) },
      });
    },
  };
  return {
    ...activities,
    /**
     * The same activity under the type name it had before the project settled on "artifact": export
     * runs started before that deploy call it by this name (patch `report-artifact-name`,
     * docs/deploy.md). Remove it once no such run is open.
     */
    writeReportArtefact: activities.writeReportArtifact,
  };

  async function writeArtifact(report: Report, signal: AbortSignal): Promise<WrittenArtifact> {
    const key = artifactKey(report);
    const { contentType } = FORMATS[report.format];
    const exportedAt = new Date();
    const { format } = report;
    const folder = await mkdtemp(join(tmpdir(), 'sitewarden-report-'));
    try {
      const { source, context } = await snapshot(report, exportedAt, join(folder, 'findings.ndjson'));
      if (format !== 'pdf') {
        const written = await upload(key, contentType, artifactContent(format, context, source));
        // Share links show an HTML page whatever the format: the same snapshot, rendered.
        if (format !== 'html') await upload(viewKey(report), FORMATS.html.contentType, htmlReport(context, source.ofSeverity));
        return facts(report, context, written);
      }
      const htmlPath = join(folder, 'report.html');
      await pipeline(Readable.from(htmlReport(context, source.ofSeverity)), createWriteStream(htmlPath));
      await storage.put(viewKey(report), createReadStream(htmlPath), FORMATS.html.contentType);
      const pdfOptions = { chromePath: config.CHROME_PATH, title: `Audit report · ${context.project.name}`, timeoutMs: PDF_TIMEOUT_MS, signal };
      // Loaded on first use: PDFs are built on the browser queue only (Playwright stays out of the main worker).
      const { renderPdf } = await import('../../reports/pdf.ts');
      const written = await renderPdf(htmlPath, pdfOptions, (pdf) => upload(key, contentType, pdf));
      return facts(report, context, written);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }

  /** Streams `content` to storage in 64 KiB chunks, hashing and counting on the way. */
  async function upload(key: string, contentType: string, content: AsyncIterable<string | Buffer>): Promise<{ sha256: string; bytes: number }> {
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const stored = storage.put(key, meter, contentType).catch((err: unknown) => {
      // Stops the builder: nobody reads what it makes any more. Without an error: the pipeline
      // may be over already (a small artifact fits the buffers), leaving no one to hear one.
      meter.destroy();
      throw err;
    });
    await Promise.all([stored, pipeline(Readable.from(inChunks(content)), meter)]);
    return { sha256: hash.digest('hex'), bytes };
  }

  /**
   * One repeatable-read transaction, as short as reading the findings: their copy in `path`, the
   * counts and the scan runs all come from the same snapshot; the transaction ends before any
   * byte goes to storage.
   */
  async function snapshot(report: Report, exportedAt: Date, path: string): Promise<{ source: FindingSource; context: ReportContext }> {
    return prisma.$transaction(
      async (tx) => {
        const source = await copyFindingSource(await openFindingSource(tx, { orgId: report.org_id, projectId: report.project_id }), path);
        return { source, context: await loadContext(tx, report, exportedAt, source) };
      },
      { isolationLevel: Prisma.TransactionIsolationLevel.RepeatableRead, maxWait: 10_000, timeout: SNAPSHOT_TIMEOUT_MS },
    );
  }
}

function artifactContent(format: Exclude<ReportFormat, 'pdf'>, context: ReportContext, source: FindingSource): AsyncIterable<string> {
  switch (format) {
    case 'json':
      return jsonReport(context, source.all());
    case 'csv':
      return csvReport(source.all(), securityGradeOf(context));
    case 'html':
      return htmlReport(context, source.ofSeverity);
    case 'sarif':
      return sarifReport(context, source.all());
  }
}

function facts(report: Report, context: ReportContext, written: { sha256: string; bytes: number }): WrittenArtifact {
  return {
    name: artifactName(report),
    storageKey: artifactKey(report),
    contentType: FORMATS[report.format].contentType,
    ...written,
    findingCount: context.findings.included,
    findingsTotal: context.findings.total,
    scanRuns: context.scan_runs,
    metrics: context.metrics,
    healthScore: healthScoreOf(context),
    exportedAt: context.generated_at,
  };
}

const CHUNK_BYTES = 64 * 1024;

/** Many small strings become few 64 KiB buffers: cheaper to hash, pipe and upload. */
async function* inChunks(parts: AsyncIterable<string | Buffer>): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const part of parts) {
    const buffer = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    pending.push(buffer);
    size += buffer.length;
    if (size >= CHUNK_BYTES) {
      yield Buffer.concat(pending);
      pending = [];
      size = 0;
    }
  }
  if (size > 0) yield Buffer.concat(pending);
}

async function loadContext(tx: Prisma.TransactionClient, report: Report, generatedAt: Date, source: FindingSource): Promise<ReportContext> {
  const scope = { org_id: report.org_id, project_id: report.project_id };
  const [project, metrics, latest, bySeverity, byDomain, seenBy] = await Promise.all([
    tx.project.findUniqueOrThrow({ where: { org_id_id: { org_id: report.org_id, id: report.project_id } }, select: { id: true, name: true } }),
    loadMetrics(tx, { orgId: report.org_id, projectId: report.project_id }),
    tx.scanRun.findFirst({ where: { ...scope, status: 'completed' }, orderBy: [{ finished_at: 'desc' }, { id: 'desc' }] }),
    tx.finding.groupBy({ by: ['severity'], where: source.where, _count: { _all: true } }),
    tx.finding.groupBy({ by: ['domain'], where: source.where, _count: { _all: true } }),
    tx.finding.groupBy({ by: ['last_seen_scan_id'], where: source.where }),
  ]);
  const runIds = seenBy.flatMap((row) => (row.last_seen_scan_id ? [row.last_seen_scan_id] : []));
  const runs = await tx.scanRun.findMany({ where: { ...scope, id: { in: runIds } }, orderBy: [{ inserted_at: 'asc' }, { id: 'asc' }] });
  const dates = burnDownDates(report.created_at);
  const count = <K extends string>(keys: readonly K[], rows: Array<{ _count: { _all: number } } & Record<string, unknown>>, field: string) =>
    Object.fromEntries(keys.map((k) => [k, rows.find((row) => row[field] === k)?._count._all ?? 0])) as Record<K, number>;
  return {
    report: { id: report.id, org_id: report.org_id, project_id: report.project_id, format: report.format, created_at: report.created_at.toISOString() },
    project,
    generated_at: generatedAt.toISOString(),
    period: { start: dates[0]!, end: dates.at(-1)! },
    metrics,
    latest_scan: latest ? { ...scanRunFacts(latest), summary: latest.summary as Record<string, unknown> } : null,
    scan_runs: runs.map(scanRunFacts),
    findings: {
      included: source.included,
      total: source.total,
      by_severity: count(SEVERITIES, bySeverity, 'severity'),
      by_domain: count(DOMAINS, byDomain, 'domain'),
    },
  };
}

function scanRunFacts(run: { id: string; url: string; status: string; finished_at: Date | null }): ReportScanRun {
  return { id: run.id, url: run.url, status: run.status, finished_at: run.finished_at?.toISOString() ?? null };
}
