import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Closing a Temporal client connection while a call is still retrying: the SDK's retry timers
 * outlive Connection.close() and throw in a timer; withClosableRetries drains them first
 * (src/platform/grpc-retry.ts). Each case runs in a child process, since the old behaviour is an
 * uncaught exception.
 */
const run = promisify(execFile);
const TSX = path.resolve('node_modules/.bin/tsx');
const CHILD = path.resolve('test/support/retry-close-child.ts');

async function deadPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function child(mode: 'sdk' | 'closable'): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(TSX, [CHILD, mode, String(await deadPort())], { timeout: 30_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

it('with the SDK’s retries, a retry fires after the close and throws “Channel has been shut down” (the failure this guards against)', async () => {
  const { code, out } = await child('sdk');
  expect(code).not.toBe(0);
  expect(out).toContain('Channel has been shut down');
  expect(out).not.toContain('clean');
}, 40_000);

it('with withClosableRetries and closeConnection, the process outlives every retry', async () => {
  const { code, out } = await child('closable');
  expect(out).not.toContain('Channel has been shut down');
  expect(out.trim().endsWith('clean')).toBe(true);
  expect(code).toBe(0);
}, 40_000);
