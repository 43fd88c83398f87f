/**
 * `npm start`: the production processes from dist/, side by side on one host — the API, the main
 * worker and the browser worker (docs/deploy.md#processes). Containers run each on its own instead
 * (docker-compose.yml); this is for a single machine or VM.
 *
 * SIGINT/SIGTERM go to every child, which shut down as they do alone (runMain); once one child
 * exits by itself the others are stopped too, and the supervisor exits with the first one's code,
 * so a process manager above sees the failure and restarts the set.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PRODUCTION_NODE_FLAGS } from './platform/node-flags.ts';

const PROCESSES: { name: string; args: string[] }[] = [
  { name: 'api', args: [...PRODUCTION_NODE_FLAGS.api, path.join(__dirname, 'api/main.js')] },
  { name: 'worker-main', args: [...PRODUCTION_NODE_FLAGS.worker, path.join(__dirname, 'worker.js'), '--role', 'main'] },
  { name: 'worker-browser', args: [...PRODUCTION_NODE_FLAGS.worker, path.join(__dirname, 'worker.js'), '--role', 'browser'] },
];
/** A child that ignores the forwarded signal this long is killed. */
const STOP_GRACE_MS = 30_000;

const children = new Map<string, ChildProcess>();
let exitCode: number | undefined;
let stopping = false;

function stopAll(signal: NodeJS.Signals): void {
  for (const child of children.values()) child.kill(signal);
  setTimeout(() => {
    for (const child of children.values()) child.kill('SIGKILL');
  }, STOP_GRACE_MS).unref();
}

for (const { name, args } of PROCESSES) {
  // Logs go straight through: each process writes pino JSON lines carrying its own name.
  const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: 'inherit' });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (exitCode === undefined) {
      // The first to go sets the code: a crash (or a signal) is a failure of the whole set.
      exitCode = code ?? (signal ? 1 : 0);
      if (!stopping) console.error(`[supervisor] ${name} exited (${signal ?? `code ${code}`}); stopping the others`);
      stopAll('SIGTERM');
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    stopAll(signal);
  });
}
