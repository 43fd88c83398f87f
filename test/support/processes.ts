import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = `${__dirname}/../..`;
const children = new Set<ChildProcess>();

/**
 * The env variable every process of one test run carries (set by the jest global setup, inherited
 * by test workers and everything they start); the global teardown finds leftovers by it.
 */
export const RUN_MARKER = 'SITEWARDEN_TEST_RUN';

/**
 * Runs `npm run api|worker`'s entry point as a real process: node with tsx's loader, so the pid is
 * the program's own (the tsx CLI would run it in a child of its own). Detached: the service leads
 * its own process group, so a crash takes anything it started with it (Chromium, in a group of its
 * own, dies with its parent: the parent-death signal in src/gather/browser-limits.ts).
 * Output is discarded unless DEBUG, or handed line by line to `onLine` (stdout and stderr).
 */
export function spawnService(entry: 'src/api/main.ts' | 'src/worker.ts', env: Record<string, string>, onLine?: (line: string, stream: 'stdout' | 'stderr') => void): ChildProcess {
  const output = onLine ? 'pipe' : process.env.DEBUG ? 'inherit' : 'ignore';
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    cwd: ROOT,
    detached: true,
    // A free metrics port (logged): tests run side by side, and a worker's default 9464 would collide.
    env: { ...process.env, LOG_LEVEL: 'warn', WORKER_METRICS_PORT: '0', ...env },
    stdio: ['ignore', output, output],
  });
  if (onLine) {
    createInterface({ input: child.stdout! }).on('line', (line) => onLine(line, 'stdout'));
    createInterface({ input: child.stderr! }).on('line', (line) => onLine(line, 'stderr'));
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** One line of /proc/<pid>/stat: state and process group (the command may hold spaces and parens). */
function procStat(pid: number): { state: string; pgid: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0]!, ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return null;
  }
}

/**
 * Gone: no /proc entry, or a zombie (dead, only its exit status left; in this VM pid 1 does not
 * reap orphans, so a killed grandchild may stay a zombie for good).
 */
export function isGone(pid: number): boolean {
  const stat = procStat(pid);
  return stat === null || stat.state === 'Z' || stat.state === 'X';
}

export function livePids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => !isGone(pid));
}

/** The live processes of a process group. */
export function groupPids(pgid: number): number[] {
  return livePids().filter((pid) => procStat(pid)?.pgid === pgid);
}

/**
 * SIGKILL to the whole process group, as a crash of the host would: no shutdown hooks run, and
 * nothing the service started survives it. Resolves once every process of the group is gone and
 * returns their pids, for the test to check.
 */
export async function crash(child: ChildProcess): Promise<number[]> {
  const pgid = child.pid!;
  const pids = groupPids(pgid);
  const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
  await exited;
  for (let i = 0; i < 200 && pids.some((pid) => !isGone(pid)); i++) await sleep(25);
  const survivors = pids.filter((pid) => !isGone(pid));
  if (survivors.length) throw new Error(`SIGKILL of process group ${pgid} left ${survivors.join(', ')} running`);
  return pids;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...children].map(crash));
}

/** The processes (other than `exclude`) whose environment carries `RUN_MARKER=<runId>`. */
export function processesOfRun(runId: string, exclude: number[] = []): Array<{ pid: number; ppid: number; cmdline: string }> {
  const needle = `${RUN_MARKER}=${runId}`;
  const found: Array<{ pid: number; ppid: number; cmdline: string }> = [];
  for (const pid of livePids()) {
    if (exclude.includes(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(needle)) continue;
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      found.push({ pid, ppid: procStat(pid)?.ppid ?? 0, cmdline });
    } catch {
      // gone meanwhile, or another user's process: not ours
    }
  }
  return found;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
