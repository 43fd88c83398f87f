import axeCore, { type AxeResults, type RunOptions } from 'axe-core';
import { chromium, type Browser } from 'playwright-core';
import type { AccessibilityArtifacts } from '../checks/artifacts.ts';
import { startGuardProxy, type BrowserEndpoint } from './browser.ts';
import type { Resolver } from './safe-fetch.ts';
import type { HostAllowlist } from './ssrf/host-allowlist.ts';
import { checkTargetUrl } from './ssrf/url-guard.ts';

const MAX_NODES_PER_RULE = 25;
const MAX_HTML_CHARS = 300;

const RUN_OPTIONS: RunOptions = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
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
    await page.goto(target.url.href, { waitUntil: 'load', timeout: timeoutMs }).catch((error: Error) => {
      const refused = proxy.refused.length ? ` (refused: ${proxy.refused.join('; ')})` : '';
      throw new Error(`could not load ${url}: ${error.message}${refused}`, { cause: error });
    });
    await page.evaluate(axeCore.source);
    return compact(await page.evaluate<AxeResults>(`axe.run(document, ${JSON.stringify(RUN_OPTIONS)})`));
  } catch (error) {
    if (timedOut) throw new Error(`accessibility audit of ${url} did not finish within ${timeoutMs} ms`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
    await cdp?.close();
    proxy.close();
  }
}

function compact(results: AxeResults): AccessibilityArtifacts {
  return {
    url: results.url,
    axeVersion: results.testEngine.version,
    violations: results.violations.map((rule) => ({
      id: rule.id,
      impact: rule.impact ?? null,
      help: rule.help,
      description: rule.description,
      helpUrl: rule.helpUrl,
      tags: rule.tags,
      nodes: rule.nodes.slice(0, MAX_NODES_PER_RULE).map((node) => ({
        // Elements inside shadow roots have one selector per tree level.
        target: node.target.map((selector) => (typeof selector === 'string' ? selector : selector.join(' >>> '))),
        html: node.html.slice(0, MAX_HTML_CHARS),
        failureSummary: node.failureSummary ?? '',
      })),
      nodeCount: rule.nodes.length,
    })),
  };
}
