import { randomUUID } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { access, mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What one Chromium (with every process it forks) may use. A page is attacker-controlled: it can
 * allocate without end, spin the CPU or never finish loading; the limits turn each of those into a
 * failed slot instead of a starved worker.
 */
export interface BrowserLimits {
  /** Resident memory of the whole browser (all its processes). */
  memoryBytes: number;
  /** CPU time of the whole browser, summed over its processes. */
  cpuSeconds: number;
  /** From launch to kill, whatever the caller's own timeouts say. */
  wallClockMs: number;
  /** Processes and threads at once (cgroup pids.max; the fallback counts processes). */
  maxProcesses: number;
  /** CPU bandwidth in cores (cgroup cpu.max only; the fallback has no rate limit, only the CPU-time cap). */
  cpuCores: number;
  /**
   * A cgroup v2 directory under which each browser gets a child cgroup, or undefined for the
   * /proc watchdog only. Created (with memory, cpu and pids enabled) when missing.
   */
  cgroupParent?: string | undefined;
}

export const DEFAULT_BROWSER_LIMITS: BrowserLimits = {
  memoryBytes: 2048 * 1024 * 1024,
  cpuSeconds: 240,
  wallClockMs: 170_000,
  maxProcesses: 128,
  cpuCores: 1,
  cgroupParent: '/sys/fs/cgroup/sitewarden-browsers',
};

/** A browser that went over one of its limits; permanent for that page (a retry would do the same). */
export class BrowserLimitExceeded extends Error {
  override name = 'BrowserLimitExceeded';
}

export interface Confinement {
  /** How the browser is enforced: the kernel (`cgroup`) or this process's watchdog (`watchdog`). */
  mode: 'cgroup' | 'watchdog';
  /** Why the cgroup was not used, in watchdog mode. */
  fallbackReason?: string;
  /** The command line that runs `command args` confined (joins the cgroup, sets RLIMIT_CPU first). */
  wrap(command: string, args: string[]): [string, string[]];
  /** Starts watching the launched process tree; `onExceeded` is called at most once. */
  watch(pid: number, onExceeded: (error: BrowserLimitExceeded) => void): void;
  /**
   * Sets the whole browser's CPU priority as a nice value (0 = as any process, up to 19), at any
   * time while it runs, up or down: the cgroup's cpu.weight.nice, else the nice of the browser's
   * autogroup (below). False when the kernel took neither (no autogroups, no cgroup).
   */
  setNiceness(niceness: number): Promise<boolean>;
  /** Highest memory use seen (cgroup memory.peak, else the watchdog's highest sample), in bytes. */
  peakMemoryBytes(): number;
  /** Kills whatever is left in the cgroup (cgroup.kill), stops watching and removes the cgroup. */
  release(): Promise<void>;
}

const WATCH_INTERVAL_MS = 200;
const TREE_EVERY_TICKS = 5;
const PAGE_SIZE = 4096;
const CLOCK_TICKS = 100; // USER_HZ on every Linux Node supports
const PRLIMIT = '/usr/bin/prlimit';
const SETPRIV = '/usr/bin/setpriv';
const CONTROLLERS = ['memory', 'cpu', 'pids'];

/**
 * Prepares the confinement of one browser. With cgroup v2 available (unified hierarchy with the
 * memory, cpu and pids controllers delegated to `limits.cgroupParent`), the kernel enforces
 * memory.max (the whole cgroup is OOM-killed as one: memory.oom.group), cpu.max and pids.max, and
 * the watchdog adds the CPU-time and wall-clock caps from cpu.stat. Without it, the watchdog reads
 * /proc every 200 ms: it sums the resident memory (PSS) and CPU time of the browser's process
 * tree and kills the whole process group over a limit; RLIMIT_CPU (prlimit) caps each process's
 * CPU time in the kernel as a backstop.
 */
export async function confine(limits: BrowserLimits): Promise<Confinement> {
  const prlimit = (await isExecutable(PRLIMIT)) ? [PRLIMIT, `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 5}`, '--'] : [];
  // Chromium leads a process group of its own (one kill reaches all of it), so a worker that dies
  // (SIGKILL, OOM) would leave it running: the kernel kills it when its parent, the worker, dies.
  // Its helper processes exit when the browser's IPC channel closes.
  const deathSignal = (await isExecutable(SETPRIV)) ? [SETPRIV, '--pdeathsig', 'KILL', '--'] : [];
  let cgroup: string | undefined;
  let fallbackReason: string | undefined;
  try {
    cgroup = await createCgroup(limits);
  } catch (error) {
    fallbackReason = (error as Error).message;
  }
  // The shell joins the cgroup itself before exec: every process Chromium forks is born inside.
  const prefix = cgroup ? ['/bin/sh', '-c', 'echo 0 > "$0/cgroup.procs" && exec "$@"', cgroup, ...prlimit, ...deathSignal] : [...prlimit, ...deathSignal];
  return new Watch(limits, cgroup, fallbackReason, prefix);
}

class Watch implements Confinement {
  mode: 'cgroup' | 'watchdog';
  private timer: NodeJS.Timeout | undefined;
  private wallClock: NodeJS.Timeout | undefined;
  private peak = 0;
  /** CPU ticks per process seen, kept after a process exits (its time was still spent). */
  private readonly ticks = new Map<number, number>();
  private done = false;
  private tree: number[] | undefined;
  private tick = 0;
  private pid: number | undefined;

  constructor(
    private readonly limits: BrowserLimits,
    private readonly cgroup: string | undefined,
    readonly fallbackReason: string | undefined,
    private readonly prefix: string[],
  ) {
    this.mode = cgroup ? 'cgroup' : 'watchdog';
  }

  wrap(command: string, args: string[]): [string, string[]] {
    const [first, ...rest] = [...this.prefix, command, ...args];
    return [first as string, rest];
  }

  watch(pid: number, onExceeded: (error: BrowserLimitExceeded) => void): void {
    this.pid = pid;
    const exceed = (why: string) => {
      if (this.done) return;
      this.done = true;
      this.stop();
      onExceeded(new BrowserLimitExceeded(`the browser ${why}; the page was abandoned`));
    };
    this.wallClock = setTimeout(() => exceed(`ran longer than its wall-clock limit of ${Math.round(this.limits.wallClockMs / 1000)} s`), this.limits.wallClockMs);
    this.wallClock.unref();
    let busy = false;
    this.timer = setInterval(() => {
      if (busy || this.done) return;
      busy = true;
      this.sample(pid)
        .then((why) => why && exceed(why))
        .catch(() => {}) // a process that exits mid-read is the normal case, not an error
        .finally(() => (busy = false));
    }, WATCH_INTERVAL_MS);
    this.timer.unref();
  }

  private async sample(pid: number): Promise<string | undefined> {
    const { memoryBytes, cpuSeconds, maxProcesses } = this.limits;
    const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;
    let memory: number;
    let cpu: number;
    if (this.cgroup) {
      const events = await readFile(join(this.cgroup, 'memory.events'), 'utf8');
      if (/^oom_kill [1-9]/m.test(events) || /^max [1-9]/m.test(events)) return `went over its memory limit of ${mb(memoryBytes)}`;
      memory = Number(await readFile(join(this.cgroup, 'memory.current'), 'utf8'));
      cpu = Number(/^usage_usec (\d+)/m.exec(await readFile(join(this.cgroup, 'cpu.stat'), 'utf8'))?.[1] ?? 0) / 1e6;
    } else {
      // The tree changes rarely (start-up, a new renderer): a full /proc scan once a second is enough.
      if (this.tick++ % TREE_EVERY_TICKS === 0 || !this.tree) this.tree = await processTree(pid);
      const tree = this.tree;
      if (tree.length > maxProcesses) return `started more than ${maxProcesses} processes`;
      const samples = await Promise.all(tree.map((p) => processUsage(p)));
      memory = 0;
      for (const [index, usage] of samples.entries()) {
        if (!usage) continue;
        memory += usage.memoryBytes;
        this.ticks.set(tree[index] as number, usage.cpuTicks);
      }
      cpu = [...this.ticks.values()].reduce((sum, t) => sum + t, 0) / CLOCK_TICKS;
    }
    this.peak = Math.max(this.peak, memory);
    if (memory > memoryBytes) return `went over its memory limit of ${mb(memoryBytes)} (${mb(memory)} in use)`;
    if (cpu > cpuSeconds) return `used more than its CPU-time limit of ${cpuSeconds} s`;
    return undefined;
  }

  /**
   * Outside a cgroup, the browser's priority is its autogroup's nice: the browser is spawned
   * detached (setsid), so it leads a session, hence an autogroup, of its own, shared by every
   * process it forks, and on a kernel with autogroups (sched_autogroup_enabled, the default of most
   * distributions) the scheduler shares the CPU between autogroups by the autogroup's nice first,
   * and only then between the processes inside one by theirs. nice(1) on the browser would do
   * nothing against another browser (measured: two spinning processes in sessions of their own, one
   * at nice 10, split a core 50/50; with its autogroup at nice 10, 90/10), and Chromium resets its
   * threads' nice itself. The autogroup's nice, unlike a process's, may be set back to 0 without
   * privilege (only a negative one needs CAP_SYS_NICE), so the priority can follow what runs beside
   * the browser (src/gather/cpu-share.ts). In a cgroup, the autogroup does not apply: cpu.weight.nice
   * (the same table: 10 is weight ~11 against the default 100) weighs it against its sibling browsers.
   */
  async setNiceness(niceness: number): Promise<boolean> {
    if (!Number.isInteger(niceness) || niceness < 0 || niceness > 19) throw new RangeError(`niceness must be an integer from 0 to 19, not ${niceness}`);
    const file = this.cgroup ? join(this.cgroup, 'cpu.weight.nice') : this.pid !== undefined ? `/proc/${this.pid}/autogroup` : undefined;
    if (!file || this.done) return false;
    return writeFile(file, String(niceness)).then(
      () => true,
      () => false, // no autogroups in this kernel, or the browser is gone
    );
  }

  peakMemoryBytes(): number {
    if (this.cgroup) {
      try {
        const peak = Number(readFileSync(join(this.cgroup, 'memory.peak'), 'utf8'));
        if (Number.isFinite(peak)) return Math.max(peak, this.peak);
      } catch {
        // memory.peak is Linux 5.19+
      }
    }
    return this.peak;
  }

  private stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.wallClock);
  }

  async release(): Promise<void> {
    this.done = true;
    this.stop();
    if (!this.cgroup) return;
    await writeFile(join(this.cgroup, 'cgroup.kill'), '1').catch(() => {});
    // rmdir succeeds once the kernel has reaped every process of the cgroup.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await rmdir(this.cgroup);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** A child cgroup of `limits.cgroupParent` with the limits written, or an error saying why not. */
async function createCgroup(limits: BrowserLimits): Promise<string> {
  const parent = limits.cgroupParent;
  if (!parent) throw new Error('no cgroup parent configured');
  const root = '/sys/fs/cgroup';
  if (!existsSync(join(root, 'cgroup.controllers'))) throw new Error('no cgroup v2 unified hierarchy at /sys/fs/cgroup');
  if (!existsSync(join(parent, 'cgroup.controllers'))) {
    // Controllers reach a cgroup only through each ancestor's subtree_control.
    await writeFile(join(parent, '..', 'cgroup.subtree_control'), CONTROLLERS.map((c) => `+${c}`).join(' '));
    await mkdir(parent);
  }
  const available = (await readFile(join(parent, 'cgroup.controllers'), 'utf8')).split(/\s+/);
  const missing = CONTROLLERS.filter((c) => !available.includes(c));
  if (missing.length) throw new Error(`cgroup ${parent} lacks the ${missing.join(', ')} controller(s)`);
  const enabled = (await readFile(join(parent, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
  if (CONTROLLERS.some((c) => !enabled.includes(c))) {
    await writeFile(join(parent, 'cgroup.subtree_control'), CONTROLLERS.map((c) => `+${c}`).join(' '));
  }
  const cgroup = join(parent, `browser-${randomUUID()}`);
  await mkdir(cgroup);
  try {
    const period = 100_000;
    await writeFile(join(cgroup, 'memory.max'), String(limits.memoryBytes));
    await writeFile(join(cgroup, 'memory.swap.max'), '0').catch(() => {}); // absent without swap accounting
    await writeFile(join(cgroup, 'memory.oom.group'), '1');
    await writeFile(join(cgroup, 'cpu.max'), `${Math.max(1_000, Math.round(limits.cpuCores * period))} ${period}`);
    await writeFile(join(cgroup, 'pids.max'), String(limits.maxProcesses));
  } catch (error) {
    await rmdir(cgroup).catch(() => {});
    throw error;
  }
  return cgroup;
}

/** `pid` and every process descended from it (Chromium's zygotes re-parent nothing away from it). */
async function processTree(pid: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  const pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  const stats = await Promise.all(pids.map((name) => readFile(`/proc/${name}/stat`, 'utf8').catch(() => '')));
  for (const [index, stat] of stats.entries()) {
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (!parent) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(pids[index])]);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const next = queue.pop() as number;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Proportional set size (shared pages split between their users), and user+system CPU ticks. */
async function processUsage(pid: number): Promise<{ memoryBytes: number; cpuTicks: number } | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after the command: state(0) ppid(1) … utime(11) stime(12) … rss(21).
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => undefined);
  const pssKb = rollup ? /^Pss:\s+(\d+) kB/m.exec(rollup)?.[1] : undefined;
  const memoryBytes = pssKb !== undefined ? Number(pssKb) * 1024 : Number(fields[21]) * PAGE_SIZE;
  return { memoryBytes, cpuTicks };
}
