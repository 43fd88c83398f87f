import {
  BOOKKEEPING_MARGIN_MS,
  CHROMIUM_STARTUP_TIMEOUT_MS,
  llmCallBoundMs,
  REPORT_BUILD_TIMEOUT_MS,
  REPORT_SNAPSHOT_TIMEOUT_MS,
  scanTimeouts,
} from '../../src/domain/activity-timeouts.ts';
import { evaluationBudgetMs } from '../../src/activities/verifications.ts';
import { loadConfig } from '../../src/platform/config.ts';

const defaults = loadConfig({});

describe('scan activity timeouts', () => {
  it('cover the work they wrap with the defaults: PageSpeed 120 s, Lighthouse plus Chromium start, the model beside axe', () => {
    const t = scanTimeouts(defaults);
    expect(t.pageSpeedMs).toBeGreaterThan(defaults.PAGESPEED_TIMEOUT_MS);
    expect(t.lighthouseMs).toBeGreaterThan(CHROMIUM_STARTUP_TIMEOUT_MS + defaults.LIGHTHOUSE_TIMEOUT_MS);
    expect(t.pageFetchMs).toBeGreaterThan(defaults.SCAN_FETCH_TIMEOUT_MS);
    expect(t.httpScannerMs).toBeGreaterThan(2 * defaults.SCAN_FETCH_TIMEOUT_MS);
    // runHttpScanners: the page, then robots.txt and the sitemap.
    expect(t.httpScansMs).toBeGreaterThan(3 * defaults.SCAN_FETCH_TIMEOUT_MS);
    // Anthropic, its one retry after a 429, then OpenAI.
    expect(t.accessibilityMs).toBeGreaterThan(3 * defaults.AI_REQUEST_TIMEOUT_MS);
    expect(t.accessibilityMs).toBeGreaterThan(CHROMIUM_STARTUP_TIMEOUT_MS + 2 * defaults.SCAN_FETCH_TIMEOUT_MS);
    // The literals they replace (1 minute, 3 minutes) did not.
    expect(t.pageSpeedMs).toBeGreaterThan(60_000);
    expect(t.lighthouseMs).toBeGreaterThan(180_000);
  });

  it('follow the configuration', () => {
    const t = scanTimeouts(loadConfig({ SCAN_FETCH_TIMEOUT_MS: '5000', PAGESPEED_TIMEOUT_MS: '300000', LIGHTHOUSE_TIMEOUT_MS: '60000', AI_REQUEST_TIMEOUT_MS: '10000' }));
    expect(t).toEqual({
      pageFetchMs: 5_000 + BOOKKEEPING_MARGIN_MS,
      httpScannerMs: 10_000 + BOOKKEEPING_MARGIN_MS,
      httpScansMs: 15_000 + BOOKKEEPING_MARGIN_MS,
      pageSpeedMs: 300_000 + BOOKKEEPING_MARGIN_MS,
      lighthouseMs: CHROMIUM_STARTUP_TIMEOUT_MS + 60_000 + BOOKKEEPING_MARGIN_MS,
      accessibilityMs: Math.max(CHROMIUM_STARTUP_TIMEOUT_MS + 10_000, llmCallBoundMs(10_000)) + BOOKKEEPING_MARGIN_MS,
      siteLoginMs: CHROMIUM_STARTUP_TIMEOUT_MS + 5 * 5_000 + BOOKKEEPING_MARGIN_MS,
    });
  });

  it("cover a project's lighthouse_runs: each run a fresh Chromium within LIGHTHOUSE_TIMEOUT_MS (or a PageSpeed request)", () => {
    const one = scanTimeouts(defaults);
    for (const runs of [3, 5]) {
      const t = scanTimeouts(defaults, runs);
      expect(t.lighthouseMs).toBe(runs * (CHROMIUM_STARTUP_TIMEOUT_MS + defaults.LIGHTHOUSE_TIMEOUT_MS) + BOOKKEEPING_MARGIN_MS);
      expect(t.pageSpeedMs).toBe(runs * defaults.PAGESPEED_TIMEOUT_MS + BOOKKEEPING_MARGIN_MS);
      // Nothing else depends on it.
      expect({ ...t, lighthouseMs: 0, pageSpeedMs: 0 }).toEqual({ ...one, lighthouseMs: 0, pageSpeedMs: 0 });
    }
    expect(scanTimeouts(defaults, 1)).toEqual(one);
  });

  it("a verification's evaluation covers lighthouse_runs runs per performance key and URL, and nothing more for the other keys", () => {
    const one = evaluationBudgetMs(defaults, ['lcp', 'security_header_csp'], 2);
    const five = evaluationBudgetMs(defaults, ['lcp', 'security_header_csp'], 2, 5);
    // Four more runs (Chromium's start and Lighthouse's 150 s each) for each of the two URLs.
    expect(five - one).toBe(2 * 4 * (CHROMIUM_STARTUP_TIMEOUT_MS + 150_000));
    expect(evaluationBudgetMs(defaults, ['security_header_csp'], 2, 5)).toBe(evaluationBudgetMs(defaults, ['security_header_csp'], 2));
  });

  it('the export builder outlasts its snapshot transaction', () => {
    expect(REPORT_BUILD_TIMEOUT_MS).toBeGreaterThan(REPORT_SNAPSHOT_TIMEOUT_MS);
  });
});
