import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { PerformanceArtifacts } from '../checks/artifacts.ts';
import { toPerformanceArtifacts } from '../checks/performance/from-lhr.ts';
import type { BrowserEndpoint } from './browser.ts';
import { lighthousePerformanceAudits } from './lighthouse-audits.ts';
import type { HostAllowlist } from './ssrf/host-allowlist.ts';
import { checkTargetUrl } from './ssrf/url-guard.ts';

// The CLI as a child process: lighthouse is ESM-only and Jest runs this code as CommonJS.
const LIGHTHOUSE_CLI = require.resolve('lighthouse/cli/index.js');
const PROGRESS_INTERVAL_MS = 5_000;
/**
 * A report past this size is refused and Lighthouse killed: its details list what a page loads,
 * and a page can load without end. Reports of real pages, screenshots left out, are 0.3–3 MB.
 */
export const MAX_REPORT_BYTES = 32 * 1024 * 1024;

export interface LighthouseOptions {
  allowlist: HostAllowlist;
  signal?: AbortSignal;
  /** Called every few seconds while Lighthouse runs (the activity heartbeats there). */
  onProgress?: () => void;
  timeoutMs: number;
}

/**
 * One mobile Lighthouse performance run (simulated throttling, Lighthouse's defaults) of `url` in
 * the running Chromium. `url` is checked here like every gatherer checks its own; the page's
 * requests are guarded only when the browser was started with withBrowser's `guard`.
 */
export async function runLighthouse(browser: BrowserEndpoint, url: string, options: LighthouseOptions): Promise<PerformanceArtifacts> {
  const { signal, onProgress, timeoutMs } = options;
  signal?.throwIfAborted();
  // Also keeps file:, chrome: and other schemes the proxy never sees away from Lighthouse.
  const target = checkTargetUrl(url, options.allowlist);
  if (!target.ok) throw new Error(`URL refused: ${target.reason}`);
  const knownAudits = await lighthousePerformanceAudits();
  signal?.throwIfAborted();
  const args = [
    LIGHTHOUSE_CLI,
    target.url.href,
    '--hostname=127.0.0.1', // not "localhost", which may resolve to ::1 where Chromium does not listen
    `--port=${browser.port}`,
    '--output=json',
    '--output-path=stdout',
    '--only-categories=performance',
    '--form-factor=mobile',
    '--disable-full-page-screenshot', // megabytes of base64 nobody reads
    '--quiet',
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stdoutBytes = 0;
  let tooLarge = false;
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (stdoutBytes > MAX_REPORT_BYTES) {
      tooLarge = true;
      kill();
      return;
    }
    stdout.push(chunk);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });

  let timedOut = false;
  function kill() {
    child.kill('SIGKILL');
  }
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  const heartbeat = onProgress ? setInterval(onProgress, PROGRESS_INTERVAL_MS) : undefined;
  signal?.addEventListener('abort', kill, { once: true });
  try {
    const [exitCode] = (await once(child, 'close')) as [number | null];
    signal?.throwIfAborted();
    if (timedOut) throw new Error(`Lighthouse did not finish within ${timeoutMs} ms`);
    if (tooLarge) throw new Error(`Lighthouse's report exceeded ${MAX_REPORT_BYTES} bytes`);
    // With a runtime error Lighthouse still prints its report, then exits 1.
    const lhr = parseJson(Buffer.concat(stdout).toString());
    if (lhr === undefined) throw new Error(`Lighthouse exited with ${exitCode}: ${stderr.trim() || 'no report'}`);
    return toPerformanceArtifacts(lhr, 'lighthouse', knownAudits);
  } finally {
    clearTimeout(timer);
    clearInterval(heartbeat);
    signal?.removeEventListener('abort', kill);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
