/**
 * Activity timeouts derived from the timeouts of the work they wrap, so an activity never times
 * out while its own work is still within its limits (and is then retried from scratch, paying
 * twice). Pure: the scan-run activities compute them from the configuration and hand them to
 * ScanWorkflow in its plan (the workflow sandbox reads no environment).
 */

/** Reading the run and writing what was found, around the work itself. */
export const BOOKKEEPING_MARGIN_MS = 30_000;
/** How long withBrowser waits for Chromium to announce its DevTools port (src/gather/browser.ts). */
export const CHROMIUM_STARTUP_TIMEOUT_MS = 30_000;
/** The export's repeatable-read snapshot only copies (at most 10 000 findings) to a local file; then it ends. */
export const REPORT_SNAPSHOT_TIMEOUT_MS = 2 * 60_000;
/** The whole build of an export: the snapshot, rendering (a PDF within REPORT_PDF_TIMEOUT_MS) and the upload. */
export const REPORT_BUILD_LIMIT_MS = 10 * 60_000;
/** Chromium printing a PDF report. */
export const REPORT_PDF_TIMEOUT_MS = 120_000;

export interface TimeoutConfig {
  SCAN_FETCH_TIMEOUT_MS: number;
  AI_REQUEST_TIMEOUT_MS: number;
  PAGESPEED_TIMEOUT_MS: number;
  LIGHTHOUSE_TIMEOUT_MS: number;
}

/** Start-to-close timeouts of ScanWorkflow's activities, in milliseconds. */
export interface ScanTimeouts {
  /** capturePage: one guarded fetch (redirects included). */
  pageFetchMs: number;
  /** Security and SEO: the SEO scanner fetches robots.txt, then the sitemap. */
  httpScannerMs: number;
  /** runHttpScanners: the page fetch, then security and SEO side by side (absent in older plans). */
  httpScansMs?: number;
  /** Performance from PageSpeed Insights: one API request per run (the project's lighthouse_runs). */
  pageSpeedMs: number;
  /** Performance from Lighthouse: per run (the project's lighthouse_runs), a fresh Chromium's start, then the Lighthouse run. */
  lighthouseMs: number;
  /** axe in Chromium beside the model's review of the page: the longer of the two. */
  accessibilityMs: number;
  /**
   * capturePage when the project's site-auth is a login recipe: Chromium's start, the login
   * (bounded by four fetch timeouts, src/gather/browser-audits.ts), then the fetch. Absent in
   * plans made before site-auth existed.
   */
  siteLoginMs?: number;
}

/**
 * The longest a structured LLM call may take (src/ai/llm-client.ts): Anthropic, once more after a
 * 429 and 1 s, then OpenAI; each request bounded by AI_REQUEST_TIMEOUT_MS.
 */
export function llmCallBoundMs(requestTimeoutMs: number): number {
  return 3 * requestTimeoutMs + 1_000;
}

/**
 * `lighthouseRuns`: the project's lighthouse_runs. The performance scanner measures the page that
 * many times in sequence (src/gather/browser-audits.ts), each run within its own limits, so its
 * timeout is that many runs' worth; the heartbeat (every 2 s, browser-share.ts) goes on between runs.
 */
export function scanTimeouts(config: TimeoutConfig, lighthouseRuns = 1): ScanTimeouts {
  const fetch = config.SCAN_FETCH_TIMEOUT_MS;
  const runs = Math.max(1, lighthouseRuns);
  return {
    pageFetchMs: fetch + BOOKKEEPING_MARGIN_MS,
    httpScannerMs: 2 * fetch + BOOKKEEPING_MARGIN_MS,
    httpScansMs: 3 * fetch + BOOKKEEPING_MARGIN_MS,
    pageSpeedMs: runs * config.PAGESPEED_TIMEOUT_MS + BOOKKEEPING_MARGIN_MS,
    lighthouseMs: runs * (CHROMIUM_STARTUP_TIMEOUT_MS + config.LIGHTHOUSE_TIMEOUT_MS) + BOOKKEEPING_MARGIN_MS,
    // axe's page load is bounded by twice the fetch timeout (src/gather/browser-audits.ts).
    accessibilityMs: Math.max(CHROMIUM_STARTUP_TIMEOUT_MS + 2 * fetch, llmCallBoundMs(config.AI_REQUEST_TIMEOUT_MS)) + BOOKKEEPING_MARGIN_MS,
    siteLoginMs: CHROMIUM_STARTUP_TIMEOUT_MS + 4 * fetch + fetch + BOOKKEEPING_MARGIN_MS,
  };
}

/**
 * A crawl's own sign-in (signInCrawl, docs/crawls.md): Chromium's start and the login, bounded by
 * four fetch timeouts (src/gather/browser-audits.ts), and the bookkeeping; no page fetch after it.
 */
export function crawlSignInTimeoutMs(fetchTimeoutMs: number): number {
  return CHROMIUM_STARTUP_TIMEOUT_MS + 4 * fetchTimeoutMs + BOOKKEEPING_MARGIN_MS;
}

/** The export builder activity: the build's own limit, plus the bookkeeping. */
export const REPORT_BUILD_TIMEOUT_MS = REPORT_BUILD_LIMIT_MS + BOOKKEEPING_MARGIN_MS;
