import { Writable } from 'node:stream';
import { ApplicationFailure } from '@temporalio/common';
import type { Context } from '@temporalio/activity';
import { temporalUiLinks } from '../../src/api/routes/scans.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger, temporalLogger } from '../../src/platform/logger.ts';
import { bearerMatches, createWorkerMetrics, scannerMetricsInterceptor, type WorkerMetrics } from '../../src/platform/metrics.ts';
import { ORG_ID, PROJECT_ID, runSearchAttributes, summary, URL_ATTRIBUTE } from '../../src/platform/search-attributes.ts';

describe('bearerMatches', () => {
  it('lets everything through without a token, and only `Bearer <token>` with one', () => {
    expect(bearerMatches(undefined, undefined)).toBe(true);
    const token = 'a-long-metrics-token-0123';
    expect(bearerMatches(`Bearer ${token}`, token)).toBe(true);
    for (const header of [undefined, '', token, `Bearer ${token}0`, `Bearer ${token.slice(1)}`, `Basic ${token}`, `Bearer  ${token}`]) {
      expect(bearerMatches(header, token)).toBe(false);
    }
  });
});

describe('scannerMetricsInterceptor', () => {
  const run = async (metrics: WorkerMetrics, activityType: string, attempt: number, outcome: () => Promise<unknown>, maximumAttempts = 3, args: unknown[] = []) => {
    const ctx = { info: { activityType, attempt, retryPolicy: { maximumAttempts, nonRetryableErrorTypes: ['PageUnavailable'] } } } as unknown as Context;
    const { inbound } = scannerMetricsInterceptor(metrics)(ctx);
    await inbound!.execute!({ args, headers: {} }, outcome).catch(() => undefined);
  };
  const counts = async (metrics: WorkerMetrics) => {
    const { values } = await metrics.scannerDuration.get();
    return Object.fromEntries(
      values.filter((v) => v.metricName === 'sitewarden_scanner_duration_seconds_count' && v.value > 0).map((v) => [`${v.labels.scanner}/${v.labels.outcome}`, v.value]),
    );
  };

  it('times each scanner attempt once, by how it ended, and nothing else', async () => {
    const metrics = createWorkerMetrics();
    await run(metrics, 'runSecurityScanner', 1, async () => ({ findingIds: [] }));
    await run(metrics, 'runSeoScanner', 1, () => Promise.reject(new Error('socket hang up')));
    await run(metrics, 'runSeoScanner', 3, () => Promise.reject(new Error('socket hang up')));
    await run(metrics, 'runSeoScanner', 1, () => Promise.reject(ApplicationFailure.create({ type: 'PageUnavailable', message: '404' })));
    await run(metrics, 'runPerformanceScanner', 1, () => Promise.reject(ApplicationFailure.create({ message: 'gave up', nonRetryable: true })));
    // A fair-share turn-back is not a run; other activities are not scanners.
    await run(metrics, 'runAccessibilityScanner', 1, () => Promise.reject(ApplicationFailure.create({ type: 'BrowserBusy', message: 'busy' })), 0);
    await run(metrics, 'capturePage', 1, async () => ({ snapshotId: 'x' }));
    expect(await counts(metrics)).toEqual({ 'security/done': 1, 'seo/retrying': 1, 'seo/failed': 2, 'performance/failed': 1 });
  });

  it('counts each scanner that runHttpScanners settled by its slot, and every asked scanner of a failed attempt', async () => {
    const metrics = createWorkerMetrics();
    const both = ['run-1', ['security', 'seo']];
    await run(metrics, 'runHttpScanners', 1, async () => ({ slots: { security: { status: 'done' }, seo: { status: 'failed', error: 'x' } }, findingIds: [] }), 3, both);
    await run(metrics, 'runHttpScanners', 1, () => Promise.reject(new Error('connection reset')), 3, both);
    await run(metrics, 'runHttpScanners', 1, () => Promise.reject(ApplicationFailure.create({ type: 'PageUnavailable', message: '404' })), 3, ['run-2', ['seo']]);
    expect(await counts(metrics)).toEqual({ 'security/done': 1, 'seo/failed': 2, 'security/retrying': 1, 'seo/retrying': 1 });
  });
});

describe('temporalLogger', () => {
  it('writes the SDK lines as the process logger does, with their fields, levels optionally lowered', () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = createLogger('debug', 'worker', sink);
    temporalLogger(logger).info('Worker state changed', { sdkComponent: 'worker', state: 'RUNNING', taskToken: 'secret' });
    temporalLogger(logger, 1).info('webpack report');
    temporalLogger(logger, 1).error('bundle failed');
    expect(lines.map(({ level, name, msg }) => ({ level, name, msg }))).toEqual([
      { level: 30, name: 'worker', msg: 'Worker state changed' },
      { level: 20, name: 'worker', msg: 'webpack report' },
      { level: 50, name: 'worker', msg: 'bundle failed' },
    ]);
    expect(lines[0]).toMatchObject({ sdkComponent: 'worker', state: 'RUNNING', taskToken: '[redacted]' });
  });
});

describe('Temporal UI links and search attributes', () => {
  it('links a run to its workflow page only when TEMPORAL_UI_URL is set', () => {
    expect(temporalUiLinks({ TEMPORAL_UI_URL: undefined, TEMPORAL_NAMESPACE: 'default' }, 'scan-1')).toEqual({});
    expect(temporalUiLinks({ TEMPORAL_UI_URL: 'https://temporal.example.com/ui//', TEMPORAL_NAMESPACE: 'prod ns' }, 'scan-1')).toEqual({
      links: { temporal_ui: 'https://temporal.example.com/ui/namespaces/prod%20ns/workflows/scan-1' },
    });
  });

  it('bounds the URL attribute and the summary, and leaves out what a run does not have', () => {
    const url = `https://example.com/${'a'.repeat(3_000)}`;
    const pairs = runSearchAttributes({ orgId: 'o', projectId: null, trigger: 'manual', url });
    expect(pairs.find((p) => p.key.name === PROJECT_ID.name)).toBeUndefined();
    expect(pairs.find((p) => p.key.name === ORG_ID.name)?.value).toBe('o');
    expect(String(pairs.find((p) => p.key.name === URL_ATTRIBUTE.name)?.value).length).toBe(1_000);
    expect(summary('security', url).length).toBe(200);
    expect(summary('Sweep')).toBe('Sweep');
  });
});

describe('metrics settings', () => {
  it('defaults the worker port, refuses a short token, and keeps the metrics port out of scans', () => {
    expect(loadConfig({})).toMatchObject({ WORKER_METRICS_PORT: 9464, WORKER_METRICS_HOST: '127.0.0.1' });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ TEMPORAL_UI_URL: 'javascript:alert(1)' })).toThrow(/TEMPORAL_UI_URL/);
    const { allowlist } = loadConfig({ SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1' });
    expect(allowlist.own.refusal('127.0.0.1', 8080)).toBeUndefined();
    expect(allowlist.own.refusal('127.0.0.1', 9464)).toMatch(/own services/);
    expect(loadConfig({ WORKER_METRICS_PORT: '9999' }).allowlist.own.refusal('127.0.0.1', 9999)).toMatch(/own services/);
  });
});
