import axeCore, { type RunOptions } from 'axe-core';
import { chromium, type Browser, type CDPSession } from 'playwright-core';
import type { AccessibilityArtifacts } from '../checks/artifacts.ts';
import { clip } from '../checks/bounds.ts';
import { AXE_TAGS, axeRunExpression, toAccessibilityArtifacts } from './axe-results.ts';
import { startGuardProxy, type BrowserEndpoint } from './browser.ts';
import type { Resolver } from './safe-fetch.ts';
import type { HostAllowlist } from './ssrf/host-allowlist.ts';
import { checkTargetUrl } from './ssrf/url-guard.ts';

/** How long the audit waits for the page's load event once its DOM is ready. */
const LOAD_WAIT_MS = 15_000;

/** Longer final URLs (a page can pushState megabytes) are reported as the URL asked for. */
const MAX_URL_CHARS = 2_048;
/** The isolated world's name, as DevTools lists it. */
const AXE_WORLD = 'sitewarden-axe';

const RUN_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: AXE_TAGS },
  resultTypes: ['violations'],
  // axe is injected into the top document only; frames would each wait frameWaitTime for an
  // answer that never comes. Framed content is mostly third-party embeds anyway.
  iframes: false,
};

export interface AxeOptions {
  allowlist: HostAllowlist;
  /** For the whole audit: connecting, loading the page and running axe. */
  timeoutMs: number;
  resolve?: Resolver;
}

/**
 * Loads `url` in a fresh context of the running Chromium and reports axe's WCAG A/AA violations.
 * Every connection the page makes goes through the guard proxy (see startGuardProxy).
 *
 * axe runs in an isolated world of the page's frame (as an extension's content script does): the
 * DOM is shared, the JavaScript globals are not, so the page's scripts can neither replace axe nor
 * touch its result, nor tamper with the prototypes (Array, JSON, Promise, Element…) axe relies on.
 * What comes back is still bounded and checked (toAccessibilityArtifacts).
 */
export async function runAxe(browser: BrowserEndpoint, url: string, options: AxeOptions): Promise<AccessibilityArtifacts> {
  const { allowlist, timeoutMs } = options;
  // Also keeps file:, chrome: and other schemes the proxy never sees away from page.goto.
  const target = checkTargetUrl(url, allowlist);
  if (!target.ok) throw new Error(`URL refused: ${target.reason}`);

  const proxy = await startGuardProxy(allowlist, options.resolve);
  let cdp: Browser | undefined;
  let timedOut = false;
  // Closing the connection makes whatever is pending (navigation, axe) reject at once.
  const timer = setTimeout(() => {
    timedOut = true;
    void cdp?.close();
  }, timeoutMs);
  try {
    cdp = await chromium.connectOverCDP(`http://127.0.0.1:${browser.port}`, { timeout: timeoutMs });
    const context = await cdp.newContext({ proxy: { server: proxy.server }, viewport: { width: 1280, height: 800 }, acceptDownloads: false });
    const page = await context.newPage();
    await page.goto(target.url.href, { waitUntil: 'domcontentloaded', timeout: timeoutMs }).catch((error: Error) => {
      const refused = proxy.refused.length ? ` (refused: ${proxy.refused.join('; ')})` : '';
      throw new Error(`could not load ${url}: ${error.message}${refused}`, { cause: error });
    });
    // The load event may never come (a resource held open, a navigation turned into a denied
    // download that stopped the document's loading): past a bounded wait, the document as it
    // stands is audited, as Lighthouse does past its maxWaitForLoad.
    await page.waitForLoadState('load', { timeout: Math.min(LOAD_WAIT_MS, timeoutMs / 3) }).catch(() => {});
    const session = await context.newCDPSession(page);
    const { frameTree } = await session.send('Page.getFrameTree');
    const { executionContextId } = await session.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: AXE_WORLD, grantUniveralAccess: false });
    // `void 0`: the script's completion value is some object of axe's, not worth a transfer.
    await evaluateInWorld(session, executionContextId, `${axeCore.source}\n;void 0`);
    const violations = await evaluateInWorld(session, executionContextId, axeRunExpression(RUN_OPTIONS));
    const finalUrl = page.url();
    const reported = finalUrl.length <= MAX_URL_CHARS && /^https?:\/\//.test(finalUrl) ? finalUrl : target.url.href;
    return toAccessibilityArtifacts(violations, reported);
  } catch (error) {
    if (timedOut) throw new Error(`accessibility audit of ${url} did not finish within ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    await cdp?.close();
    proxy.close();
  }
}

/** The value of `expression` evaluated in the isolated world, awaited; its exception as an Error. */
async function evaluateInWorld(session: CDPSession, contextId: number, expression: string): Promise<unknown> {
  const { result, exceptionDetails } = await session.send('Runtime.evaluate', { expression, contextId, awaitPromise: true, returnByValue: true });
  if (exceptionDetails) {
    const reason = exceptionDetails.exception?.description ?? exceptionDetails.text;
    throw new Error(`axe failed in the page: ${clip(reason.split('\n')[0] ?? reason, 300)}`);
  }
  return result.value;
}
