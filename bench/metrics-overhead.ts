/**
 * What the metrics cost: the API's request histogram per request, and a scrape of each /metrics.
 *
 *   node_modules/.bin/tsx bench/metrics-overhead.ts [requests per round, default 4000]
 *
 * 1. Request overhead: two Express apps in this process answer the same route under the audit
 *    template, one with `httpMetrics` (and the route base), one without; rounds alternate between
 *    them (so machine load hits both alike), each `requests` sequential keep-alive requests.
 *    The figure is the difference of the medians, in µs per request.
 * 2. Scrape: the API registry after the requests (one series per route × status), and a worker
 *    registry with every scanner × outcome filled, `registry.metrics()` time and size; then a
 *    Temporal Runtime's Core exporter on a loopback port, read as the worker's /metrics does.
 * Results go to stdout.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Agent, request } from 'undici';
import { createApiMetrics, createWorkerMetrics, httpMetrics, routeBase } from '../src/platform/metrics.ts';
import { createLogger } from '../src/platform/logger.ts';
import { installTemporalRuntime } from '../src/platform/temporal-runtime.ts';
import { fixed, percentile, printTable, runBench } from './support.ts';

const REQUESTS = Number(process.argv[2] ?? 4000);
const ROUNDS = 6;
const BASE = '/api/v1/orgs/:org_id/projects/:project_id/audit';

function app(withMetrics: boolean, metrics = createApiMetrics()) {
  const application = express();
  if (withMetrics) application.use(httpMetrics(metrics));
  const audit = express.Router({ mergeParams: true });
  audit.get('/scans/:scan_id', (req, res) => {
    res.json({ data: { id: req.params.scan_id }, meta: {}, error: null });
  });
  application.use(BASE, ...(withMetrics ? [routeBase(BASE)] : []), audit);
  return { application, metrics };
}

async function listen(handler: express.Express): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function timeRequests(url: string, dispatcher: Agent): Promise<number[]> {
  const perRequestUs: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    const res = await request(`${url}/api/v1/orgs/8f0e/projects/web/audit/scans/${i % 50}`, { dispatcher });
    await res.body.arrayBuffer();
    perRequestUs.push((performance.now() - t0) * 1000);
  }
  return perRequestUs;
}

async function timeScrape(scrape: () => Promise<string>, times = 50): Promise<{ ms: number; bytes: number }> {
  let bytes = 0;
  const durations: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = performance.now();
    bytes = Buffer.byteLength(await scrape());
    durations.push(performance.now() - t0);
  }
  return { ms: percentile(durations, 0.5), bytes };
}

runBench('metrics-overhead', async () => {
  const plain = await listen(app(false).application);
  const measured = app(true);
  const withMetrics = await listen(measured.application);
  const dispatcher = new Agent({ connections: 1 });
  const samples: Record<'plain' | 'metrics', number[]> = { plain: [], metrics: [] };
  await timeRequests(plain.url, dispatcher); // warm-up: JIT, sockets
  await timeRequests(withMetrics.url, dispatcher);
  for (let round = 0; round < ROUNDS; round++) {
    const order: Array<['plain' | 'metrics', { url: string }]> = [['plain', plain], ['metrics', withMetrics]];
    for (const [name, target] of round % 2 === 0 ? order : order.reverse()) {
      samples[name].push(percentile(await timeRequests(target.url, dispatcher), 0.5));
    }
  }
  const median = (values: number[]) => percentile(values, 0.5);
  printTable(`Request latency, median of ${ROUNDS} rounds × ${REQUESTS} sequential keep-alive requests (µs)`, ['app', 'p50 µs'], [
    ['without httpMetrics', fixed(1)(median(samples.plain))],
    ['with httpMetrics', fixed(1)(median(samples.metrics))],
    ['overhead per request', fixed(1)(median(samples.metrics) - median(samples.plain))],
  ]);

  const worker = createWorkerMetrics();
  for (const scanner of ['performance', 'security', 'seo', 'accessibility']) {
    for (const outcome of ['done', 'failed', 'retrying']) worker.scannerDuration.observe({ scanner, outcome }, 1.5);
  }
  worker.scansStarted.inc(10);
  worker.scansFinished.inc({ status: 'completed' }, 9);
  worker.browserQueueWait.observe({ outcome: 'granted' }, 3);
  const runtime = await installTemporalRuntime(createLogger('silent', 'bench'));
  const rows = [
    ['API registry', await timeScrape(() => measured.metrics.registry.metrics())],
    ['worker registry', await timeScrape(() => worker.registry.metrics())],
    ['Temporal Core exporter (no workers)', await timeScrape(() => runtime.coreMetrics())],
  ] as const;
  printTable('Scrape: median time of 50, size of the text', ['registry', 'ms', 'bytes'], rows.map(([name, r]) => [name, fixed(2)(r.ms), String(r.bytes)]));
  // An empty text is the exporter's own answer (no worker has recorded anything), not a failure.
  console.log(`Core exporter at ${runtime.coreMetricsAddress}: HTTP ${(await fetch(`http://${runtime.coreMetricsAddress}/metrics`)).status}`);
  await dispatcher.close();
  await Promise.all([plain, withMetrics].map(({ server }) => new Promise((resolve) => server.close(resolve))));
});
