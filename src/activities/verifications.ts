import { ApplicationFailure, Context } from '@temporalio/activity';
import { accessibilityChecks } from '../checks/accessibility/index.ts';
import type { PageArtifact } from '../checks/artifacts.ts';
import { performanceChecks } from '../checks/performance/index.ts';
import { domainOfVerificationKey } from '../checks/registry.ts';
import { securityChecks } from '../checks/security/index.ts';
import { seoChecks } from '../checks/seo/index.ts';
import { runChecks, type DetectedFinding, type FindingDomain } from '../checks/types.ts';
import { SITE_LOGIN_FAILED } from '../domain/failures.ts';
import { judgeKey, settledCheck, type VerificationCheck } from '../domain/verification.ts';
import { originAuthOf, originOf, type OriginAuth } from '../domain/site-auth.ts';
import { fetchPageArtifact } from '../gather/html-page.ts';
import { withOriginAuth, type SafeFetcher } from '../gather/safe-fetch.ts';
import { gatherSecurityArtifacts, gatherSeoArtifacts } from '../gather/site-probes.ts';
import type { Config } from '../platform/config.ts';
import { resolveInstanceSecret } from '../platform/crypto.ts';
import type { Db } from '../platform/db.ts';
import { isLoginFor, loadSiteAuth } from '../services/site-auth.ts';
import { OUTBOX_CHANNEL } from '../services/notification-outbox.ts';
import { approveVerification, failPendingVerification, reopenVerification, type DecisionOutcome } from '../services/verification-decisions.ts';
import { runsThatFit } from '../domain/project-settings.ts';
import { projectSettings } from '../services/projects.ts';
import type { BrowserShare } from './browser-share.ts';
import { signInFor } from './site-auth.ts';

export interface VerificationPlan {
  /** The checks already ran (a later run of the workflow, woken by a decision). */
  evaluated: boolean;
  /** Accessibility and performance keys need Chromium: evaluate on the browser queue. */
  needsBrowser: boolean;
  browserTaskQueue: string;
  /** How long the workflow waits for approve/reopen before it completes. */
  decisionWindowSeconds: number;
  /** Policy `verification.auto_approve`: a full pass approves itself. */
  autoApprove: boolean;
  /**
   * The evaluation's worst case: every key's look at every URL within its gatherers' own limits
   * (Lighthouse per URL in sequence adds up). Absent in plans recorded before it existed.
   */
  evaluationTimeoutMs?: number;
}

export type Decision = 'approve' | 'reopen';

/** Runs of an evaluation that may fail before the verification's evaluation fails. */
const EVALUATION_RUNS = 3;

export function createVerificationActivities(prisma: Db, config: Config, fetcher: SafeFetcher, share: BrowserShare) {
  const secret = resolveInstanceSecret(config);
  return {
    async startVerification(verificationId: string): Promise<VerificationPlan> {
      const v = await prisma.verification.findUniqueOrThrow({ where: { id: verificationId } });
      const tenant = { org_id: v.org_id, project_id: v.project_id };
      // Side by side: this runs inside the verification's first workflow task, before its result.
      const [policy, finding, { lighthouse_runs: runs }, siteAuth] = await Promise.all([
        prisma.policy.findUnique({ where: { org_id_project_id: tenant }, select: { config: true } }),
        prisma.finding.findUnique({ where: { id: v.finding_id }, select: { affected_assets: true } }),
        projectSettings(prisma, v.org_id, v.project_id),
        prisma.siteAuth.findUnique({ where: { org_id_project_id: tenant }, select: { type: true, origin: true } }),
      ]);
      const keys = (v.checks as VerificationCheck[]).map((c) => c.key);
      const urls = urlsOf(finding?.affected_assets);
      // A site-auth login recipe signs in with Chromium before its origin's pages are re-checked.
      const signsIn = urls.some((url) => isLoginFor(siteAuth, url));
      return {
        evaluated: v.result !== 'pending',
        needsBrowser: signsIn || keys.some((k) => ['accessibility', 'performance'].includes(domainOfVerificationKey(k) ?? '')),
        browserTaskQueue: config.TEMPORAL_BROWSER_TASK_QUEUE,
        decisionWindowSeconds: config.VERIFICATION_DECISION_WINDOW_SECONDS,
        autoApprove: autoApproves(policy?.config),
        evaluationTimeoutMs: evaluationBudgetMs(config, keys, urlsOf(finding?.affected_assets).length, runs),
      };
    },

    /**
     * Re-checks every affected URL with the scanners' own check functions, filling `checks` as
     * each key settles. A page that cannot be fetched fails its keys; it does not fail the activity.
     */
    async evaluateVerification(verificationId: string): Promise<{ result: 'passed' | 'failed' }> {
      const v = await prisma.verification.findUniqueOrThrow({ where: { id: verificationId } });
      // The project's lighthouse_runs, as the scans use it; no more than the evaluation's timeout
      // (planned for the setting at startVerification) covers, should it have been raised since.
      const [finding, { lighthouse_runs: wanted }, siteAuth] = await Promise.all([
        prisma.finding.findUniqueOrThrow({ where: { id: v.finding_id } }),
        projectSettings(prisma, v.org_id, v.project_id),
        loadSiteAuth(prisma, { orgId: v.org_id, projectId: v.project_id }, secret),
      ]);
      const urls = urlsOf(finding.affected_assets);
      const checks = [...(v.checks as VerificationCheck[])];
      const budgetMs = Context.current().info.startToCloseTimeoutMs;
      const keys = checks.map((c) => c.key);
      const runs = runsThatFit(wanted, (n) => evaluationBudgetMs(config, keys, urls.length, n) <= budgetMs);

      // A login recipe signs in once, before the first look at a page of its origin, and only then.
      let session: Promise<OriginAuth> | undefined;
      const authFor = async (url: string): Promise<OriginAuth | undefined> => {
        if (!siteAuth || originOf(url) !== siteAuth.origin) return undefined;
        if (siteAuth.type !== 'login') return originAuthOf(siteAuth);
        session ??= signInFor(config, share, v.org_id, siteAuth).then((cookies) => originAuthOf(siteAuth, cookies));
        return session;
      };
      // The login takes its own turn in the browser share (it launches its own Chromium): it runs
      // before the evaluation's turn, not inside it.
      // A login that does not sign in fails the looks at its origin's pages (each says why); any
      // other failure (a busy share, a lost browser) fails the attempt, to be tried again.
      const onOrigin = siteAuth?.type === 'login' ? urls.find((url) => originOf(url) === siteAuth.origin) : undefined;
      if (onOrigin) {
        await authFor(onOrigin).catch((err: unknown) => {
          if (!(err instanceof ApplicationFailure && err.type === SITE_LOGIN_FAILED)) throw err;
        });
      }

      // On the browser queue, within the org's fair share of it (browser-share.ts).
      const result = await share.run(v.org_id, EVALUATION_RUNS, async (signal) => {
        const look = lookups(config, fetcher, signal, runs, authFor);
        for (const [index, check] of checks.entries()) {
          checks[index] = await evaluateKey(check.key, finding.check_id, urls, look, signal);
          // Each key's verdict shows as it settles; the last one's is written with the result.
          if (index < checks.length - 1) await prisma.verification.update({ where: { id: verificationId }, data: { checks } });
        }
        return checks.every((c) => c.status === 'passed') ? 'passed' : 'failed';
      });
      await recordEvaluation(prisma, verificationId, checks, result);
      return { result };
    },

    /**
     * `requestId` (absent in decisions scheduled before it existed): the API waiting on this
     * decision hears the outcome by NOTIFY, sent in the decision's own transaction.
     */
    async decideVerification(verificationId: string, decision: Decision, actorKeyId: string | null, requestId?: string): Promise<DecisionOutcome> {
      const label = actorKeyId ? `api_key:${actorKeyId}` : 'policy:auto_approve';
      return decision === 'approve'
        ? approveVerification(prisma, verificationId, { keyId: actorKeyId, label }, requestId)
        : reopenVerification(prisma, verificationId, { label }, requestId);
    },

    /**
     * The failure path: an evaluation that could not finish (its retries spent, its worker gone
     * for good) marks the verification `failed` with the reason on every unsettled check, so the
     * task is free for a new run, and gives back the AI unit the run was charged. Idempotent: only
     * a pending verification changes, in one transaction with the refund.
     */
    async failVerification(verificationId: string, reason: string): Promise<{ failed: boolean }> {
      return { failed: await failPendingVerification(prisma, verificationId, reason) };
    },
  };
}

/**
 * The evaluation's end in one statement (atomic on its own, one round trip where a transaction
 * took six): the checks, the result only while still pending (a failure path that settled it
 * first keeps its result), and verification.passed/failed in the outbox with its NOTIFY
 * (recordVerificationResult's event, written only when the result was set).
 */
export async function recordEvaluation(prisma: Db, verificationId: string, checks: VerificationCheck[], result: 'passed' | 'failed'): Promise<void> {
  // The lock reads the committed result (a failure path that settled it meanwhile); one UPDATE
  // of the row (two in one statement would leave one of them undone).
  await prisma.$executeRaw`
    WITH locked AS (SELECT id, result AS was FROM verifications WHERE id = ${verificationId}::uuid FOR UPDATE),
    written AS (
      UPDATE verifications v
         SET checks = ${JSON.stringify(checks)}::jsonb,
             result = CASE WHEN l.was = 'pending' THEN ${result}::"VerificationResult" ELSE v.result END,
             updated_at = now()
        FROM locked l WHERE v.id = l.id
      RETURNING v.id, v.org_id, v.project_id, v.task_id, v.finding_id, l.was),
    result_event AS (
      INSERT INTO notification_events (id, org_id, project_id, type, severity, data)
      SELECT gen_random_uuid(), org_id, project_id, ${`verification.${result}`}, NULL::"Severity",
             jsonb_build_object('verification_id', id, 'task_id', task_id, 'finding_id', finding_id, 'result', ${result}::text, 'cause', 'evaluated')
        FROM written WHERE was = 'pending'
      RETURNING id)
    SELECT pg_notify(${OUTBOX_CHANNEL}, id::text) FROM result_event`;
}

const urlsOf = (assets: unknown) =>
  (Array.isArray(assets) ? (assets as Array<{ type?: unknown; value?: unknown }>) : [])
    .filter((a) => a?.type === 'url' && typeof a.value === 'string')
    .map((a) => a.value as string);

/**
 * One look at one URL, at worst, per domain: the HTTP gatherers make up to four fetches (page,
 * redirects, robots.txt, sitemap) each within SCAN_FETCH_TIMEOUT_MS; axe waits twice that after
 * starting Chromium; Lighthouse is allowed 150 s (PageSpeed 120 s) plus Chromium's start, once per
 * run (`lighthouseRuns`, the project's setting: each run is a fresh Chromium).
 */
const CHROMIUM_START_MS = 30_000;
export function evaluationBudgetMs(config: Pick<Config, 'SCAN_FETCH_TIMEOUT_MS'>, keys: string[], urlCount: number, lighthouseRuns = 1): number {
  const perLook: Record<FindingDomain, number> = {
    security: 4 * config.SCAN_FETCH_TIMEOUT_MS,
    seo: 4 * config.SCAN_FETCH_TIMEOUT_MS,
    accessibility: 2 * config.SCAN_FETCH_TIMEOUT_MS + CHROMIUM_START_MS,
    performance: Math.max(1, lighthouseRuns) * (150_000 + CHROMIUM_START_MS),
  };
  const looks = keys.reduce((sum, key) => sum + perLook[domainOfVerificationKey(key) ?? 'security'], 0);
  // The database writes and a margin; at least a minute, however small the work.
  return Math.max(60_000, looks * Math.max(1, urlCount) + 30_000);
}

function autoApproves(config: unknown): boolean {
  const verification = (config as { verification?: { auto_approve?: unknown } } | null)?.verification;
  return verification?.auto_approve === true;
}

// Loaded on first use: the main worker evaluates security and SEO keys (as local activities) and
// must not load Playwright and axe-core for that; only the browser queue's evaluations need them.
const browserAudits = () => import('../gather/browser-audits.ts');

type Look = (domain: FindingDomain, url: string) => Promise<DetectedFinding[]>;

/**
 * What each domain's checks find on a URL now; one fetch of a page serves every key. Each look
 * carries the site-auth's credentials for the URL's origin (`authFor`; none for other origins).
 */
function lookups(config: Config, fetcher: SafeFetcher, signal: AbortSignal, lighthouseRuns: number, authFor: (url: string) => Promise<OriginAuth | undefined>): Look {
  const pages = new Map<string, Promise<PageArtifact>>();
  const page = (url: string, siteFetcher: SafeFetcher) => {
    if (!pages.has(url)) pages.set(url, fetchPageArtifact(siteFetcher, url));
    return pages.get(url)!;
  };
  return async (domain, url) => {
    const auth = await authFor(url);
    const siteFetcher = withOriginAuth(fetcher, auth);
    switch (domain) {
      case 'security':
        return runChecks(securityChecks, await gatherSecurityArtifacts(siteFetcher, await page(url, siteFetcher)));
      case 'seo':
        return runChecks(seoChecks, await gatherSeoArtifacts(siteFetcher, await page(url, siteFetcher)));
      case 'accessibility':
        return runChecks(accessibilityChecks, await (await browserAudits()).gatherAccessibility(config, url, signal, auth));
      case 'performance':
        return runChecks(performanceChecks, await (await browserAudits()).gatherPerformance(config, url, signal, lighthouseRuns, auth));
    }
  };
}

async function evaluateKey(key: string, findingCheckId: string, urls: string[], look: Look, signal: AbortSignal): Promise<VerificationCheck> {
  const domain = domainOfVerificationKey(key);
  if (!domain) return settledCheck(key, false, `unknown check key ${key}`);
  if (urls.length === 0) return settledCheck(key, false, 'the finding has no URL to re-check');
  const failures: string[] = [];
  for (const url of urls) {
    // Cancelled (by the workflow, a lost heartbeat, worker shutdown): stop between URLs, and do
    // not record the abort as the page's failure.
    signal.throwIfAborted();
    try {
      const verdict = judgeKey(key, findingCheckId, await look(domain, url));
      if (!verdict.passed) failures.push(`${url}: ${verdict.detail}`);
    } catch (err) {
      signal.throwIfAborted();
      failures.push(`${url}: ${(err as Error).message}`);
    }
  }
  return failures.length ? settledCheck(key, false, failures.join(' | ')) : settledCheck(key, true, `not detected on ${urls.join(', ')}`);
}
