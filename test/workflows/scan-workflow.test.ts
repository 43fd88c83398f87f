import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { Activities } from '../../src/activities/index.ts';
import type { ScanPlan } from '../../src/activities/scan-runs.ts';
import { SCANNERS, type ScannerName, type ScannerSlot, type ScannerStatus } from '../../src/domain/scanners.ts';
import { ScanWorkflow, scanStatusQuery } from '../../src/workflows/scan.ts';
import { startTemporal, workflowBundle } from '../support/temporal.ts';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await startTemporal();
});
afterAll(() => env?.teardown());

type ScannerBehaviour = () => Promise<unknown>;

/** Mocked activities on both queues, recording what the workflow asked for. */
async function runScan(options: {
  plan?: Partial<ScanPlan>;
  capture?: () => Promise<{ snapshotId: string }>;
  scanners?: Partial<Record<ScannerName, ScannerBehaviour>>;
  whileRunning?: (workflowId: string) => Promise<void>;
}) {
  const taskQueue = `test-${randomUUID()}`;
  const slots: Array<[ScannerName, ScannerSlot]> = [];
  const calls: string[] = [];
  let finalized: Partial<ScannerStatus> | undefined;
  const ok: ScannerBehaviour = async () => ({ findings: 1 });
  const behaviour = (name: ScannerName) => options.scanners?.[name] ?? ok;
  const activities: Partial<Activities> = {
    async startScanRun() {
      return { scanners: [...SCANNERS], performanceSource: 'lighthouse', browserTaskQueue: `${taskQueue}-browser`, ...options.plan };
    },
    async recordScannerSlot(_id, name, slot) {
      slots.push([name, slot]);
    },
    async capturePage() {
      calls.push('capturePage');
      return (options.capture ?? (async () => ({ snapshotId: 'snap-1' })))();
    },
    runSecurityScanner: (async (_id: string, snapshotId: string) => {
      calls.push(`security:${snapshotId}`);
      return behaviour('security')();
    }) as Activities['runSecurityScanner'],
    runSeoScanner: (async () => behaviour('seo')()) as Activities['runSeoScanner'],
    runAccessibilityScanner: (async () => behaviour('accessibility')()) as Activities['runAccessibilityScanner'],
    runPerformanceScanner: (async () => behaviour('performance')()) as Activities['runPerformanceScanner'],
    async scoreScanFindings() {
      calls.push('score');
      return { scored: 0 };
    },
    async finalizeScanRun(_id, scannerStatus) {
      finalized = scannerStatus;
      const done = Object.values(scannerStatus).some((s) => s.status === 'done');
      return { status: done ? 'completed' : 'failed', healthScore: done ? 90 : null, findings: 0 };
    },
  };
  const [main, browser] = await Promise.all([
    Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: workflowBundle(), activities }),
    Worker.create({ connection: env.nativeConnection, taskQueue: `${taskQueue}-browser`, activities }),
  ]);
  const browserRunning = browser.run();
  const workflowId = `scan-${randomUUID()}`;
  try {
    const outcome = await main.runUntil(async () => {
      const handle = await env.client.workflow.start(ScanWorkflow, { taskQueue, workflowId, args: [{ scanRunId: 'run-1' }] });
      await options.whileRunning?.(workflowId);
      return handle.result();
    });
    return { outcome, slots, calls, finalized };
  } finally {
    browser.shutdown();
    await browserRunning;
  }
}

it('runs all four scanners, records every slot transition, scores, then completes', async () => {
  const { outcome, slots, calls, finalized } = await runScan({});
  expect(outcome.status).toBe('completed');
  for (const name of SCANNERS) {
    expect(slots.filter(([n]) => n === name).map(([, s]) => s.status)).toEqual(['running', 'done']);
  }
  expect(finalized).toEqual(Object.fromEntries(SCANNERS.map((n) => [n, { status: 'done' }])));
  expect(calls.filter((c) => c === 'capturePage')).toHaveLength(1);
  expect(calls).toContain('security:snap-1');
  expect(calls.indexOf('score')).toBeGreaterThan(calls.indexOf('security:snap-1'));
});

it('fails one slot on a permanent error without retrying it, and still completes', async () => {
  let attempts = 0;
  const { outcome, finalized } = await runScan({
    scanners: {
      seo: async () => {
        attempts++;
        throw ApplicationFailure.nonRetryable('the page answered HTTP 404', 'TargetClientError');
      },
    },
  });
  expect(attempts).toBe(1);
  expect(finalized?.seo).toEqual({ status: 'failed', error: 'the page answered HTTP 404' });
  expect(finalized?.security).toEqual({ status: 'done' });
  expect(outcome.status).toBe('completed');
});

it('retries a transient scanner failure until it succeeds', async () => {
  let attempts = 0;
  const { finalized } = await runScan({
    scanners: {
      security: async () => {
        if (++attempts < 3) throw new Error('connection reset');
        return { findings: 2 };
      },
    },
  });
  expect(attempts).toBe(3);
  expect(finalized?.security).toEqual({ status: 'done' });
});

it('fails the run when every scanner fails (the page could not be captured)', async () => {
  let captures = 0;
  const { outcome, finalized, calls } = await runScan({
    capture: async () => {
      captures++;
      throw ApplicationFailure.nonRetryable('the page is not HTML (content-type: application/pdf)', 'NotHtml');
    },
  });
  expect(captures).toBe(1);
  expect(outcome.status).toBe('failed');
  for (const name of SCANNERS) {
    expect(finalized?.[name]).toEqual({ status: 'failed', error: 'the page is not HTML (content-type: application/pdf)' });
  }
  expect(calls).not.toContain('security:snap-1');
});

it('answers the status query mid-run with live slots', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let midRun: unknown;
  const { outcome } = await runScan({
    scanners: { accessibility: () => gate.then(() => ({ findings: 0 })) },
    whileRunning: async (workflowId) => {
      const handle = env.client.workflow.getHandle(workflowId);
      for (let i = 0; i < 100; i++) {
        const progress = await handle.query(scanStatusQuery);
        if (progress.scanner_status.security?.status === 'done' && progress.scanner_status.accessibility?.status === 'running') {
          midRun = progress;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      release();
    },
  });
  expect(midRun).toMatchObject({ status: 'running', scanner_status: { accessibility: { status: 'running' }, security: { status: 'done' } } });
  expect(outcome.status).toBe('completed');
});

it('runs only the requested scanners', async () => {
  const { slots, finalized, calls } = await runScan({ plan: { scanners: ['security'] } });
  expect(new Set(slots.map(([n]) => n))).toEqual(new Set(['security']));
  expect(Object.keys(finalized ?? {})).toEqual(['security']);
  expect(calls.filter((c) => c === 'capturePage')).toHaveLength(1);
});
