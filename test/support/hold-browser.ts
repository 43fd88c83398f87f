/**
 * A stand-in for a browser worker (test/integration/browser-orphans.test.ts): starts Chromium as
 * the scanners do (withBrowser, in $TMPDIR), prints its DevTools port, and holds it until killed.
 */
import { DEFAULT_BROWSER_LIMITS } from '../../src/gather/browser-limits.ts';
import { withBrowser } from '../../src/gather/browser.ts';

const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';
void withBrowser({ chromePath, limits: DEFAULT_BROWSER_LIMITS }, async ({ port }) => {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  await new Promise(() => {});
});
