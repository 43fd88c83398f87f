import type { ScanTimeouts } from '../domain/activity-timeouts.ts';
import { z } from 'zod';
import { healthScore, scoreFinding } from '../domain/scoring.ts';
import { parseStoredGrade } from '../domain/security-grade.ts';
import { parseStoredLab } from '../domain/lab-summary.ts';
import { SCANNERS, type ScannerName, type ScannerSlot, type ScannerStatus } from '../domain/scanners.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { FindingDomain, Severity } from '../generated/prisma/enums.ts';
import { type Db, sqlQuery, sqlTransaction } from '../platform/db.ts';
import { countFinished, type WorkerMetrics } from '../platform/metrics.ts';
import { refundScanRunCharge } from '../services/ai-quota.ts';
import { parseProjectSettings } from '../domain/project-settings.ts';
import { projectSettings } from '../services/projects.ts';
import { OUTBOX_CHANNEL, recordScanEnd } from '../services/notification-outbox.ts';
import { appendEndEvent, changeScanRunAndLog, SCAN_EVENT_CHANNEL } from '../services/scan-events.ts';
import { isLoginFor, needsSiteLogin } from '../services/site-auth.ts';
import type { ScanContext } from './findings-store.ts';
import { crawlSessionOfRun } from './site-auth.ts';

/** Characters of a failed slot's error that are kept (and streamed). */
const MAX_SLOT_ERROR = 1_000;

export interface ScanPlan {
  scanners: ScannerName[];
  /** PageSpeed Insights needs no local browser, so the workflow can keep it off the browser queue. */
  performanceSource: 'pagespeed' | 'lighthouse';
  /** Where Lighthouse and axe run: a worker that takes few at a time, so light scans never wait. */
  browserTaskQueue: string;
  /** Activity timeouts from the configuration; absent in the plans of runs started before they were. */
  timeouts?: ScanTimeouts;
  /** The scanned URL, for the activities' summaries in the Temporal UI; absent in older plans. */
  url?: string;
  /**
   * The project's site-auth is a login recipe for this URL's origin: the page capture signs in
   * first, in Chromium, so it runs on the browser queue (docs/site-auth.md). A flag only: no
   * credential is in the plan. Absent in older plans and when false, and for a crawl's page whose
   * crawl holds a session (its fetches use the crawl's: docs/crawls.md, "A site behind a login").
   */
  siteLogin?: boolean;
}

export interface ScanOutcome {
  status: 'completed' | 'failed';
  healthScore: number | null;
  findings: number;
}

/** Bounded: the error is an activity's message, which may quote what a hostile page made it say. */
function boundedSlot(slot: ScannerSlot): ScannerSlot {
  return slot.error !== undefined ? { ...slot, error: slot.error.slice(0, MAX_SLOT_ERROR) } : slot;
}

/**
 * Sets one slot of a running run; a change is logged as a progress event, once (a retry finds the
 * slot as it set it). One statement: the slot's jsonb_set and its event (scanners settle
 * concurrently, each on the latest row under its lock), where a transaction took four round trips.
 */
async function setSlot(db: Db | Prisma.TransactionClient, scanRunId: string, scanner: ScannerName, slot: ScannerSlot): Promise<void> {
  const bounded = boundedSlot(slot);
  await changeScanRunAndLog(
    db,
    scanRunId,
    {
      set: Prisma.sql`scanner_status = jsonb_set(scanner_status, ARRAY[${scanner}]::text[], ${JSON.stringify(bounded)}::jsonb)`,
      where: Prisma.sql`status = 'running' AND scanner_status -> ${scanner}::text IS DISTINCT FROM ${JSON.stringify(bounded)}::jsonb`,
    },
    'scanner',
    { scanner, ...bounded },
  );
}

/** What a plan is made of, read in one query: the run, its project's settings and whether its site-auth is a login. */
interface PlanRow {
  scanners: string[];
  url: string;
  org_id: string;
  project_id: string;
  settings: unknown;
  auth_type: string | null;
  auth_origin: string | null;
  /** The run is a crawl's page and its crawl holds a session (crawls.site_session). */
  crawl_session: boolean;
}

export interface ScanRunOptions {
  pageSpeedConfigured: boolean;
  browserTaskQueue: string;
  /** The plan's activity timeouts for a project's lighthouse_runs (the performance scanner's depend on it). */
  timeouts?: (lighthouseRuns: number) => ScanTimeouts;
  metrics?: WorkerMetrics | undefined;
}

/** A run just opened: its plan, its tenant and URL, and whether its project has a site-auth (read with the plan). */
export interface OpenedRun {
  plan: ScanPlan;
  scan: ScanContext & { url: string };
  siteAuth: boolean;
}

/**
 * What openScanRun does (startScanRun and every planned slot `running`, in one step: patch
 * scan-fewer-round-trips), with what was read on the way: the run's tenant and URL, and whether
 * its project has a site-auth at all, so a light scan's work in the same activity (openLightScan,
 * patch scan-light-one-activity) reads neither again.
 */
export async function openRun(prisma: Db, options: ScanRunOptions, scanRunId: string): Promise<OpenedRun> {
  // Two round trips where there were ten: the plan's rows in one query, then the start, every
  // slot `running` and their events in one statement.
  const [row] = await prisma.$queryRaw<PlanRow[]>`
    SELECT r.scanners::text[] AS scanners, r.url, r.org_id::text AS org_id, r.project_id, p.settings, a.type AS auth_type, a.origin AS auth_origin,
           c.site_session IS NOT NULL AS crawl_session
      FROM scan_runs r
      LEFT JOIN projects p ON p.org_id = r.org_id AND p.id = r.project_id
      LEFT JOIN site_auth a ON a.org_id = r.org_id AND a.project_id = r.project_id
      LEFT JOIN crawl_pages cp ON cp.scan_run_id = r.id
      LEFT JOIN crawls c ON c.id = cp.crawl_id
     WHERE r.id = ${scanRunId}::uuid`;
  if (!row) throw new Error(`scan run ${scanRunId} not found`);
  const scanners = row.scanners.length ? SCANNERS.filter((s) => row.scanners.includes(s)) : [...SCANNERS];
  const timeouts = options.timeouts?.(parseProjectSettings(row.settings).lighthouse_runs);
  // A crawl's page whose crawl holds a session uses it (originAuthForRun, docs/crawls.md): the
  // plan sends no login, so its fetches stay off the browser queue (a light scan runs locally).
  const siteLogin = !row.crawl_session && isLoginFor(row.auth_type === null ? null : { type: row.auth_type, origin: row.auth_origin ?? '' }, row.url);
  const plan: ScanPlan = {
    scanners,
    performanceSource: options.pageSpeedConfigured ? 'pagespeed' : 'lighthouse',
    browserTaskQueue: options.browserTaskQueue,
    ...(timeouts ? { timeouts } : {}),
    url: row.url,
    ...(siteLogin ? { siteLogin } : {}),
  };
  const slots = Object.fromEntries(scanners.map((name) => [name, { status: 'running' }]));
  const events = scanners.map((scanner) => ({ scanner, status: 'running' }));
  // queued → running with every slot running, an event per slot (seqs in plan order) announced
  // at commit; nothing when the run is not queued (a retry: it started already).
  const started = await prisma.$executeRaw`
    WITH started AS (
      UPDATE scan_runs
         SET status = 'running', scanner_status = scanner_status || ${JSON.stringify(slots)}::jsonb,
             event_seq = event_seq + ${events.length}, updated_at = now()
       WHERE id = ${scanRunId}::uuid AND status = 'queued'
      RETURNING id, event_seq
    ), logged AS (
      INSERT INTO scan_run_events (scan_run_id, seq, kind, data)
      SELECT started.id, started.event_seq - ${events.length} + e.ord::int, 'scanner', e.data
        FROM started, jsonb_array_elements(${JSON.stringify(events)}::jsonb) WITH ORDINALITY AS e(data, ord)
      RETURNING scan_run_id, seq
    )
    SELECT pg_notify(${SCAN_EVENT_CHANNEL}, scan_run_id::text || ':' || seq) FROM (SELECT * FROM logged ORDER BY seq) AS l`;
  // Counted by the statement that started it: a retry finds it running already.
  if (started > 0) {
    options.metrics?.scansStarted.inc();
  } else {
    // A retry, or a run an older worker started without its slots: each slot, guarded, as before.
    for (const scanner of scanners) await setSlot(prisma, scanRunId, scanner, { status: 'running' });
  }
  return { plan, scan: { scanRunId, orgId: row.org_id, projectId: row.project_id, url: row.url }, siteAuth: row.auth_type !== null };
}

/** Scan-run bookkeeping. Every update is guarded by the current status, so retries are harmless. */
export function createScanRunActivities(prisma: Db, options: ScanRunOptions) {
  const { metrics } = options;

  async function startRun(scanRunId: string): Promise<ScanPlan> {
    const { count } = await prisma.scanRun.updateMany({ where: { id: scanRunId, status: 'queued' }, data: { status: 'running' } });
    // Counted by the update that started it: a retry of this activity finds it running already.
    if (count > 0) metrics?.scansStarted.inc(count);
    const run = await prisma.scanRun.findUniqueOrThrow({ where: { id: scanRunId }, select: { scanners: true, url: true, org_id: true, project_id: true } });
    // The performance scanner reads the setting again when it runs; should it have been raised in
    // between, it runs no more than this timeout covers (docs/scanning.md, "Stable lab figures").
    const timeouts = options.timeouts?.((await projectSettings(prisma, run.org_id, run.project_id)).lighthouse_runs);
    // A crawl's page whose crawl holds a session uses it (originAuthForRun): no login of its own.
    const siteLogin = (await needsSiteLogin(prisma, { orgId: run.org_id, projectId: run.project_id }, run.url)) && !(await crawlSessionOfRun(prisma, scanRunId));
    return {
      scanners: run.scanners.length ? SCANNERS.filter((s) => run.scanners.includes(s)) : [...SCANNERS],
      performanceSource: options.pageSpeedConfigured ? 'pagespeed' : 'lighthouse',
      browserTaskQueue: options.browserTaskQueue,
      ...(timeouts ? { timeouts } : {}),
      url: run.url,
      ...(siteLogin ? { siteLogin } : {}),
    };
  }

  return {
    async startScanRun(scanRunId: string): Promise<ScanPlan> {
      return startRun(scanRunId);
    },

    /**
     * startScanRun and every planned slot `running`, in one step (patch scan-fewer-round-trips: a
     * local activity in place of an activity and a local activity per slot). A slot is running from
     * the moment the run starts, as the older path had it: a browser scanner waiting for its turn
     * in the browser queue is running too.
     */
    async openScanRun(scanRunId: string): Promise<ScanPlan> {
      return (await openRun(prisma, options, scanRunId)).plan;
    },

    /** One slot, atomically: scanners settle concurrently and must not overwrite each other. */
    /** A change is logged as a progress event (scan-events.ts), once: a retry finds the slot as it set it. */
    async recordScannerSlot(scanRunId: string, scanner: ScannerName, slot: ScannerSlot): Promise<void> {
      await setSlot(prisma, scanRunId, scanner, slot);
    },


    /** Deterministic scores for every finding this run saw; the AI stage may replace them later. */
    async scoreScanFindings(scanRunId: string): Promise<{ scored: number }> {
      return scoreFindingsOfRun(prisma, scanRunId);
    },

    async finalizeScanRun(scanRunId: string, scannerStatus: Partial<ScannerStatus>, findingIds: string[]): Promise<ScanOutcome> {
      const finished = Object.entries(scannerStatus).filter(([, slot]) => slot.status === 'done').map(([name]) => name as FindingDomain);
      // One read (the run's summary so far, and the severities of what it found) and one statement
      // that closes it: three Prisma reads and a seven-statement interactive transaction before
      // (docs/deploy.md, "Orchestration cost").
      const facts = await readClosingFacts(prisma, scanRunId, findingIds);
      const findings = facts.findings;
      const status = finished.length > 0 ? 'completed' : 'failed';
      const failureReason = status === 'failed' ? commonFailure(scannerStatus) : null;
      const summary = status === 'completed'
        ? { ...summarize(findings, finished), ...modelVerdict(facts.summary), ...securityGradeOf(facts.summary, finished), ...performanceLabOf(facts.summary, finished) }
        : null;
      const closed = await closeRun(prisma, scanRunId, {
        status,
        scannerStatus,
        summary: summary ?? {},
        failureReason,
        end: { health_score: summary?.health_score ?? null, findings: findings.length, failure_reason: failureReason },
      });
      countFinished(metrics, status, closed);
      // A run with no result gives back the AI unit it was charged.
      if (status === 'failed') await refundScanRunCharge(prisma, scanRunId);
      return { status, healthScore: summary?.health_score ?? null, findings: findings.length };
    },

    // The failure path (ScanWorkflow's saga): a step that exhausted its retries. Each of these is
    // idempotent and guarded, so a retry, or the sweeper closing the same run, changes nothing twice.

    /** Marks a run that has not closed `failed` with the reason; a closed run is left as it is. */
    async failScanRun(scanRunId: string, reason: string): Promise<void> {
      const count = await prisma.$transaction(async (tx) => {
        const { count } = await tx.scanRun.updateMany({
          where: { id: scanRunId, status: { in: ['queued', 'running'] } },
          data: { status: 'failed', failure_reason: reason.slice(0, 1_000), finished_at: new Date() },
        });
        if (count) {
          await appendEndEvent(tx, scanRunId, 'failed');
          await recordScanEnd(tx, scanRunId, 'failed', { health_score: null, findings: 0, failure_reason: reason.slice(0, 300) });
        }
        return count;
      });
      countFinished(metrics, 'failed', count);
    },

    /** Deletes the page snapshots the run captured (the HTML of a page is only needed while it runs). */
    async releasePageSnapshots(scanRunId: string): Promise<{ deleted: number }> {
      const { count } = await prisma.pageSnapshot.deleteMany({ where: { scan_run_id: scanRunId } });
      return { deleted: count };
    },

    /** Gives back the AI unit the run was charged, once. */
    async refundScanRun(scanRunId: string): Promise<{ refunded: boolean }> {
      return { refunded: await refundScanRunCharge(prisma, scanRunId) };
    },
  };
}

/**
 * Why a run none of whose scanners finished failed. A login that did not sign in fails every
 * slot with its reason (they all wait for the page capture that signs in): that reason is the
 * run's. Otherwise the slots' errors say what each met.
 */
function commonFailure(scannerStatus: Partial<ScannerStatus>): string {
  const login = Object.values(scannerStatus).find((slot) => slot?.error?.startsWith('login failed:'));
  return login?.error ?? 'every scanner failed';
}

/** The health score and executive summary the AI stage wrote, if it did: they replace the rule-based ones. */
function modelVerdict(stored: unknown): { health_score?: number; summary?: string } {
  const { health_score, summary } = (stored ?? {}) as Record<string, unknown>;
  return {
    ...(typeof health_score === 'number' ? { health_score } : {}),
    ...(typeof summary === 'string' ? { summary } : {}),
  };
}

/** The security scanner's grade, kept when that scanner finished (a failed slot's grade would not be this run's). */
function securityGradeOf(stored: unknown, finished: FindingDomain[]) {
  const grade = finished.includes('security') ? parseStoredGrade((stored as Record<string, unknown> | null)?.security_grade) : undefined;
  return grade ? { security_grade: grade } : {};
}

/** The performance scanner's runs and metric spread, kept when that scanner finished (as the security grade). */
function performanceLabOf(stored: unknown, finished: FindingDomain[]) {
  const lab = finished.includes('performance') ? parseStoredLab((stored as Record<string, unknown> | null)?.performance_lab) : undefined;
  return lab ? { performance_lab: lab } : {};
}

const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low'];

function summarize(findings: { domain: FindingDomain; severity: Severity }[], finished: FindingDomain[]) {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length]));
  const byDomain = Object.fromEntries(finished.map((d) => [d, findings.filter((f) => f.domain === d).length]));
  const domainScores = Object.fromEntries(
    finished.map((d) => [d, healthScore(findings.filter((f) => f.domain === d).map((f) => f.severity))]),
  );
  const health = healthScore(findings.map((f) => f.severity));
  const worst = SEVERITIES.filter((s) => (bySeverity[s] ?? 0) > 0).map((s) => `${bySeverity[s]} ${s}`);
  return {
    health_score: health,
    summary: findings.length
      ? `${findings.length} finding${findings.length === 1 ? '' : 's'} (${worst.join(', ')}) across ${finished.join(', ')}; health ${health}/100.`
      : `No findings across ${finished.join(', ')}; health 100/100.`,
    findings_total: findings.length,
    counts: { by_severity: bySeverity, by_domain: byDomain },
    domain_scores: domainScores,
  };
}

const storedEvidence = z.record(z.string(), z.unknown()).catch({});

/**
 * The rule scores of every finding the run saw, in one transaction of three round trips: the
 * findings read and locked in id order, then one UPDATE from arrays. It was a read and one Prisma
 * update per finding (21 on the defects page: 15–40 ms and as much CPU, most of a light scan's
 * closing; docs/deploy.md, "Orchestration cost"). The locks are taken in id order, as a scanner's
 * upsert (findings-store.ts) and a bulk edit take theirs, so a concurrent scan or edit waits
 * rather than deadlocks; what a person edits (status, severity) is not written here. updated_at
 * moves as Prisma's @updatedAt moved it.
 */
export async function scoreFindingsOfRun(prisma: Db, scanRunId: string): Promise<{ scored: number }> {
  return sqlTransaction(prisma, async (query) => {
    const findings = await query<{ id: string; domain: FindingDomain; severity: Severity; check_id: string; confidence: number; evidence: unknown }>(Prisma.sql`
      SELECT id, domain, severity, check_id, confidence, evidence FROM findings
      WHERE last_seen_scan_id = ${scanRunId}::uuid ORDER BY id FOR UPDATE`);
    if (findings.length === 0) return { scored: 0 };
    const scores = findings.map((f) =>
      scoreFinding({ domain: f.domain, severity: f.severity, checkId: f.check_id, confidence: f.confidence, evidence: storedEvidence.parse(f.evidence) }),
    );
    await query(Prisma.sql`
      UPDATE findings AS f
      SET impact_score = s.impact, effort_score = s.effort, risk_score = s.risk, priority_score = s.priority, score_source = 'rules',
          updated_at = ${new Date()}
      FROM unnest(${findings.map((f) => f.id)}::uuid[], ${scores.map((x) => x.impact)}::int[], ${scores.map((x) => x.effort)}::int[],
                  ${scores.map((x) => x.risk)}::int[], ${scores.map((x) => x.priority)}::int[]) AS s(id, impact, effort, risk, priority)
      WHERE f.id = s.id`);
    return { scored: findings.length };
  });
}

/** What the run found, as closing it needs it: dismissed findings are accepted risks, not held against the page's health. */
const closingFacts = z.object({
  summary: z.unknown(),
  findings: z.array(z.object({ domain: z.enum(FindingDomain), severity: z.enum(Severity) })),
});

async function readClosingFacts(prisma: Db, scanRunId: string, findingIds: string[]): Promise<z.infer<typeof closingFacts>> {
  const [row] = await sqlQuery<unknown>(prisma, Prisma.sql`
    SELECT r.summary,
           COALESCE((SELECT json_agg(json_build_object('domain', f.domain, 'severity', f.severity))
                       FROM findings f WHERE f.id = ANY(${findingIds}::uuid[]) AND f.status <> 'dismissed'), '[]'::json) AS findings
      FROM scan_runs r WHERE r.id = ${scanRunId}::uuid`);
  if (!row) throw new Error(`scan run ${scanRunId} not found`);
  return closingFacts.parse(row);
}

/**
 * Closes a running run in one statement: its row (status, slots, summary, finished_at), the end
 * event of its progress log (appendEndEvent's row and NOTIFY), the scan.completed/failed outbox
 * event (recordScanEnd's: none for a crawl's page) with its NOTIFY, and its page snapshots
 * deleted. A run already closed (a retry, the sweeper, a cancel) gets nothing but the snapshot
 * clean-up. Returns how many runs it closed (0 or 1). test/integration/scan-close.test.ts checks
 * the rows field by field against what those helpers write.
 */
async function closeRun(
  prisma: Db,
  scanRunId: string,
  close: {
    status: 'completed' | 'failed';
    scannerStatus: Partial<ScannerStatus>;
    summary: object;
    failureReason: string | null;
    end: { health_score: number | null; findings: number; failure_reason: string | null };
  },
): Promise<number> {
  const now = new Date();
  const [row] = await sqlQuery<{ closed: number }>(prisma, Prisma.sql`
    WITH closed AS (
      UPDATE scan_runs
         SET status = ${close.status}::"ScanStatus", scanner_status = ${JSON.stringify(close.scannerStatus)}::jsonb,
             summary = ${JSON.stringify(close.summary)}::jsonb, finished_at = ${now}, failure_reason = ${close.failureReason},
             event_seq = event_seq + 1, updated_at = ${now}
       WHERE id = ${scanRunId}::uuid AND status = 'running'
      RETURNING id, event_seq, org_id, project_id, url),
    logged AS (
      INSERT INTO scan_run_events (scan_run_id, seq, kind, data)
      SELECT id, event_seq, ${close.status}, ${JSON.stringify({ status: close.status })}::jsonb FROM closed
      RETURNING scan_run_id, seq),
    outbox AS (
      INSERT INTO notification_events (id, org_id, project_id, type, severity, data)
      SELECT gen_random_uuid(), org_id, project_id, ${`scan.${close.status}`}, NULL::"Severity",
             jsonb_build_object('scan_run_id', id, 'url', url, 'status', ${close.status}::text) || ${JSON.stringify(close.end)}::jsonb
        FROM closed WHERE NOT EXISTS (SELECT 1 FROM crawl_pages c WHERE c.scan_run_id = closed.id)
      RETURNING id),
    cleared AS (DELETE FROM page_snapshots WHERE scan_run_id = ${scanRunId}::uuid)
    SELECT (SELECT count(*) FROM closed)::int AS closed,
           (SELECT count(pg_notify(${SCAN_EVENT_CHANNEL}, scan_run_id::text || ':' || seq)) FROM logged) AS progress_notices,
           (SELECT count(pg_notify(${OUTBOX_CHANNEL}, id::text)) FROM outbox) AS outbox_notices`);
  return row?.closed ?? 0;
}
