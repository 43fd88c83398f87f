import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

const ROOT = `${__dirname}/../..`;
const children = new Set<ChildProcess>();

/** Runs `npm run api|worker`'s entry point as a real process (tsx), output discarded unless DEBUG. */
export function spawnService(entry: 'src/api/main.ts' | 'src/worker.ts', env: Record<string, string>): ChildProcess {
  const child = spawn(`${ROOT}/node_modules/.bin/tsx`, [entry], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', process.env.DEBUG ? 'inherit' : 'ignore', process.env.DEBUG ? 'inherit' : 'ignore'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILL, as a crash would: no shutdown hooks run. */
export async function crash(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map(crash));
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
