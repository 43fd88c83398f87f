import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { cookieDomainMatches, isSendableCookie, successUrlReached, type LoginRecipe, type SiteCookie } from '../domain/site-auth.ts';
import { startGuardProxy, type BrowserEndpoint } from './browser.ts';
import { applyOriginAuth } from './origin-auth-browser.ts';
import type { Resolver } from './safe-fetch.ts';
import type { HostAllowlist } from './ssrf/host-allowlist.ts';
import { checkTargetUrl } from './ssrf/url-guard.ts';

/** How long each step waits: a field or the submit button to appear, the success check to be met. */
const STEP_WAIT_MS = 10_000;

/**
 * Why a login did not sign in. The message names the step and the selector, never a value typed
 * (Playwright's own messages are not passed on: its call logs may quote what was typed).
 */
export class SiteLoginFailed extends Error {
  override name = 'SiteLoginFailed';
}

export interface SiteLoginOptions {
  /** The only origin whose cookies are kept (the site-auth's). */
  origin: string;
  allowlist: HostAllowlist;
  /** For the whole login: connecting, loading, filling, submitting and the success check. */
  timeoutMs: number;
  resolve?: Resolver;
}

/**
 * Runs a login recipe in a fresh context of the running Chromium: opens the login page, fills
 * each field, clicks submit, waits for the success check, and answers the cookies the context
 * then holds for the origin (host-only from here on: they go to the origin and nowhere else).
 * Every connection goes through the guard proxy, as runAxe's do.
 */
export async function signIn(browser: BrowserEndpoint, recipe: LoginRecipe, options: SiteLoginOptions): Promise<SiteCookie[]> {
  const target = checkTargetUrl(recipe.url, options.allowlist);
  if (!target.ok) throw new SiteLoginFailed(`login failed: login page refused: ${target.reason}`);
  const proxy = await startGuardProxy(options.allowlist, options.resolve);
  // The jar scopes cookies by host, not origin: every request and redirect hop to another port or
  // scheme of the origin's host goes without the jar's cookies, so the session never goes there.
  // Other hosts get no host-only cookie of the origin.
  const isolation = await applyOriginAuth(browser, { origin: options.origin, headers: {}, cookies: [] }).catch((error: unknown) => {
    proxy.close();
    throw error;
  });
  let cdp: Browser | undefined;
  let context: BrowserContext | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void cdp?.close();
  }, options.timeoutMs);
  const step = async <T>(work: () => Promise<T>, failure: string): Promise<T> => {
    try {
      return await work();
    } catch {
      throw new SiteLoginFailed(timedOut ? `login failed: not done within ${options.timeoutMs} ms` : `login failed: ${failure}`);
    }
  };
  try {
    cdp = await step(() => chromium.connectOverCDP(`http://127.0.0.1:${browser.port}`, { timeout: options.timeoutMs }), 'the browser could not be reached');
    const ctx = await cdp.newContext({ proxy: { server: proxy.server }, viewport: { width: 1280, height: 800 }, acceptDownloads: false });
    context = ctx;
    const page = await ctx.newPage();
    const response = await step(() => page.goto(target.url.href, { waitUntil: 'domcontentloaded', timeout: options.timeoutMs }), 'the login page could not be loaded');
    if (response && response.status() >= 400) throw new SiteLoginFailed(`login failed: the login page answered HTTP ${response.status()}`);
    for (const [selector, value] of Object.entries(recipe.fields)) {
      await step(() => page.locator(selector).first().fill(value, { timeout: STEP_WAIT_MS }), `no field to fill matches ${selector}`);
    }
    await step(() => page.locator(recipe.submit).first().click({ timeout: STEP_WAIT_MS }), `no submit element matches ${recipe.submit}`);
    const success = recipe.success;
    await step(
      () =>
        'url' in success
          ? page.waitForURL((url) => successUrlReached(success.url, url.href), { timeout: STEP_WAIT_MS, waitUntil: 'commit' })
          : page.locator(success.selector).first().waitFor({ state: 'attached', timeout: STEP_WAIT_MS }),
      'success check not met',
    );
    const secure = options.origin.startsWith('https:');
    return (await ctx.cookies())
      .filter((c) => cookieDomainMatches(c.domain, options.origin) && (secure || !c.secure))
      .filter((c) => isSendableCookie(c.name, c.value))
      .map((c) => ({ name: c.name, value: c.value, path: c.path || '/' }));
  } finally {
    clearTimeout(timer);
    // Closed before the isolation goes: the signed-in page is still loading.
    await context?.close().catch(() => {});
    await cdp?.close().catch(() => {});
    isolation.close();
    proxy.close();
  }
}
