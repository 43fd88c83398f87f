import type { AccessibilityArtifacts, PerformanceArtifacts } from '../checks/artifacts.ts';
import { keepMedianRun } from '../domain/lab-runs.ts';
import { browserLimits, type Config } from '../platform/config.ts';
import type { LoginRecipe, OriginAuth, SiteCookie } from '../domain/site-auth.ts';
import { runAxe } from './axe.ts';
import { withBrowser, type BrowserEndpoint, type BrowserOptions } from './browser.ts';
import { applyOriginAuth } from './origin-auth-browser.ts';
import { signIn } from './site-login.ts';
import { runLighthouse } from './lighthouse.ts';
import { fetchPageSpeed } from './pagespeed.ts';

const DEFAULT_PAGESPEED_URL = 'https://www.googleapis.com/pagespeedonline/v5/runPagespeed';

type BrowserConfig = Pick<
  Config,
  | 'CHROME_PATH'
  | 'allowlist'
  | 'SCAN_FETCH_TIMEOUT_MS'
  | 'PAGESPEED_API_URL'
  | 'PAGESPEED_API_KEY'
  | 'PAGESPEED_TIMEOUT_MS'
  | 'LIGHTHOUSE_TIMEOUT_MS'
  | 'BROWSER_MEMORY_LIMIT_MB'
  | 'BROWSER_CPU_TIME_LIMIT_SECONDS'
  | 'BROWSER_WALL_CLOCK_LIMIT_SECONDS'
  | 'BROWSER_MAX_PROCESSES'
  | 'BROWSER_CPU_CORES'
  | 'BROWSER_CGROUP_PARENT'
  | 'BROWSER_AXE_NICE'
>;

/**
 * Each audit launches its own Chromium (a shared one skews paint metrics), closed on success,
 * failure and abort alike. Every connection the browser opens goes through the SSRF guard, and
 * the browser runs within the configured memory, CPU and wall-clock limits.
 */
function browserOptions(config: BrowserConfig, signal: AbortSignal, cpu?: BrowserOptions['cpu']): BrowserOptions {
  return { chromePath: config.CHROME_PATH, signal, guard: { allowlist: config.allowlist }, limits: browserLimits(config), ...(cpu ? { cpu } : {}) };
}

/** `use` with the site-auth credentials applied to the browser's requests to their origin (docs/site-auth.md). */
async function withOriginAuth<T>(browser: BrowserEndpoint, auth: OriginAuth | undefined, use: () => Promise<T>): Promise<T> {
  const applied = auth ? await applyOriginAuth(browser, auth) : undefined;
  try {
    return await use();
  } finally {
    applied?.close();
  }
}

/**
 * axe's Chromium yields the CPU to a Lighthouse of this worker running beside it (its own slots):
 * at BROWSER_AXE_NICE while one runs, for at most a third of its page budget (src/gather/cpu-share.ts).
 * Only the browser is lowered: axe-core runs in its page, Playwright's side in this process is light.
 */
export function gatherAccessibility(config: BrowserConfig, url: string, signal: AbortSignal, auth?: OriginAuth): Promise<AccessibilityArtifacts> {
  const timeoutMs = config.SCAN_FETCH_TIMEOUT_MS * 2;
  return withBrowser(browserOptions(config, signal, { niceness: config.BROWSER_AXE_NICE, forMs: timeoutMs / 3 }), (browser) =>
    withOriginAuth(browser, auth, () => runAxe(browser, url, { allowlist: config.allowlist, timeoutMs })),
  );
}

/** A site-auth login recipe run in its own Chromium: the cookies it leaves for `origin`. */
export function signInToSite(config: BrowserConfig, recipe: LoginRecipe, origin: string, signal: AbortSignal): Promise<SiteCookie[]> {
  return withBrowser(browserOptions(config, signal), (browser) =>
    signIn(browser, recipe, { origin, allowlist: config.allowlist, timeoutMs: config.SCAN_FETCH_TIMEOUT_MS * 4 }),
  );
}

/**
 * `runs` measurements of the page's performance in sequence, and the median run of them
 * (src/domain/lab-runs.ts; `runs` is the project's lighthouse_runs). Each run is a fresh Chromium
 * within its own browser limits, as Lighthouse CI's runs are fresh Chrome instances: a warm
 * browser (its HTTP cache, compiled scripts) would make the later runs faster, not steadier. A
 * run that fails fails the look, as in Lighthouse CI's collect: the median of the runs that
 * happened to succeed would not be the median of the page.
 */
export async function gatherPerformance(config: BrowserConfig, url: string, signal: AbortSignal, runs = 1, auth?: OriginAuth): Promise<PerformanceArtifacts> {
  const measured: PerformanceArtifacts[] = [];
  for (let run = 0; run < Math.max(1, runs); run++) {
    signal.throwIfAborted();
    measured.push(await measurePerformance(config, url, signal, auth));
  }
  return keepMedianRun(measured);
}

/**
 * PageSpeed Insights when configured, else Lighthouse (mobile) in a local Chromium. PageSpeed
 * fetches the page from Google's side: a site-auth's credentials are never sent there.
 */
function measurePerformance(config: BrowserConfig, url: string, signal: AbortSignal, auth?: OriginAuth): Promise<PerformanceArtifacts> {
  if (config.PAGESPEED_API_URL || config.PAGESPEED_API_KEY) {
    return fetchPageSpeed(
      {
        apiUrl: config.PAGESPEED_API_URL ?? DEFAULT_PAGESPEED_URL,
        ...(config.PAGESPEED_API_KEY ? { apiKey: config.PAGESPEED_API_KEY } : {}),
        timeoutMs: config.PAGESPEED_TIMEOUT_MS,
        signal,
      },
      url,
    );
  }
  return withBrowser(browserOptions(config, signal, 'favoured'), (browser) =>
    withOriginAuth(browser, auth, () => runLighthouse(browser, url, { allowlist: config.allowlist, signal, timeoutMs: config.LIGHTHOUSE_TIMEOUT_MS })),
  );
}
