import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { eventually } from '../support/http.ts';
import { startTemporal } from '../support/temporal.ts';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../..');
/** The packages only the browser worker may load (Lighthouse runs in a child process even there). */
const BROWSER_PACKAGES = /\/node_modules\/(playwright-core|axe-core|lighthouse)\//;

let env: TestWorkflowEnvironment;
let scratch: string;

beforeAll(async () => {
  env = await startTemporal();
  scratch = mkdtempSync(path.join(tmpdir(), 'worker-roles-'));
});

afterAll(async () => {
  await env?.teardown();
  rmSync(scratch, { recursive: true, force: true });
});

interface RoleRun {
  /** Every module file the process loaded, from start to its shutdown. */
  modules: string[];
  /** Pollers seen while it ran: workflow pollers on the main queue, activity pollers on each queue. */
  pollers: { mainWorkflow: number; mainActivity: number; browserActivity: number };
  code: number | null;
  output: string;
}

async function pollers(queue: string, type: 1 | 2): Promise<number> {
  const { pollers } = await env.client.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: queue }, taskQueueType: type });
  return pollers.length;
}

/**
 * `src/worker.ts --role <role>` as a real process (node with tsx's loader, as `npm run worker`),
 * with a preload that records every module it loads; runs until it polls its queue, then SIGTERM.
 */
async function runRole(role: string): Promise<RoleRun> {
  const queue = `roles-${role}-${Date.now()}`;
  const modulesFile = path.join(scratch, `${role}.json`);
  const child = spawn(
    process.execPath,
    ['--require', path.join(ROOT, 'test/support/record-loaded-modules.cjs'), '--import', 'tsx', 'src/worker.ts', '--role', role],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_TASK_QUEUE: queue,
        TEMPORAL_BROWSER_TASK_QUEUE: `${queue}-browser`,
        LOADED_MODULES_FILE: modulesFile,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const mainQueuePolled = role === 'browser' ? () => pollers(`${queue}-browser`, 2) : () => pollers(queue, 1);
  const ready = await Promise.race([
    eventually(mainQueuePolled, (n) => n > 0, 180_000).then(() => true),
    exited.then(() => false),
  ]);
  let seen = { mainWorkflow: 0, mainActivity: 0, browserActivity: 0 };
  if (ready) {
    // Both queues once more: a role that also polls the other queue has started it by now.
    await eventually(async () => pollers(role === 'browser' ? `${queue}-browser` : queue, 2), (n) => n > 0, 30_000);
    seen = { mainWorkflow: await pollers(queue, 1), mainActivity: await pollers(queue, 2), browserActivity: await pollers(`${queue}-browser`, 2) };
    child.kill('SIGTERM');
  }
  const code = await exited;
  const modules = ready ? (JSON.parse(readFileSync(modulesFile, 'utf8')) as string[]) : [];
  return { modules, pollers: seen, code, output };
}

const browserModules = (run: RoleRun) => run.modules.filter((file) => BROWSER_PACKAGES.test(file));

test('the main worker polls the main queue only and never loads Playwright, axe-core or Lighthouse', async () => {
  const run = await runRole('main');
  expect(run.code).toBe(0);
  expect(run.pollers.mainWorkflow).toBeGreaterThan(0);
  expect(run.pollers.mainActivity).toBeGreaterThan(0);
  expect(run.pollers.browserActivity).toBe(0);
  // The recording works: the worker's own stack is in it.
  expect(run.modules.some((file) => file.includes('/node_modules/@temporalio/worker/'))).toBe(true);
  expect(run.modules.some((file) => file.endsWith('/src/activities/main-queue.ts'))).toBe(true);
  expect(browserModules(run)).toEqual([]);
});

test('the browser worker polls the browser queue only, and loads Playwright and axe-core', async () => {
  const run = await runRole('browser');
  expect(run.code).toBe(0);
  expect(run.pollers.browserActivity).toBeGreaterThan(0);
  expect(run.pollers.mainWorkflow).toBe(0);
  expect(run.pollers.mainActivity).toBe(0);
  // The same recording sees them when they are loaded: the main worker's empty list means something.
  expect(browserModules(run).some((file) => file.includes('/node_modules/playwright-core/'))).toBe(true);
  expect(browserModules(run).some((file) => file.includes('/node_modules/axe-core/'))).toBe(true);
});

test('an unknown role stops the worker with the reason, no stack trace', async () => {
  const run = await runRole('chromium');
  expect(run.code).toBe(1);
  expect(run.output.trim()).toBe('--role must be one of main, browser, all (got "chromium")');
});
