import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cgroupSettings, DEFAULT_BROWSER_LIMITS, wrapperPrefix } from '../../../src/gather/browser-limits.ts';

const all = { prlimit: true, setpriv: true, nice: true };
const limits = (niceness?: number) => ({ ...DEFAULT_BROWSER_LIMITS, ...(niceness === undefined ? {} : { niceness }) });
const PLAIN = ['/usr/bin/prlimit', '--cpu=240:245', '--', '/usr/bin/setpriv', '--pdeathsig', 'KILL', '--'];

describe('wrapperPrefix: the browser priority outside a cgroup', () => {
  test('off (0 or unset): the prefix is the CPU-time cap and the death signal only, as before', () => {
    expect(wrapperPrefix(limits(), undefined, all)).toEqual(PLAIN);
    expect(wrapperPrefix(limits(0), undefined, all)).toEqual(PLAIN);
    expect(wrapperPrefix(limits(0), undefined, all).join(' ')).not.toMatch(/nice|autogroup|sys_nice/);
  });

  test('on: the autogroup and nice(1) at the value, and Chromium kept from lowering it again', () => {
    expect(wrapperPrefix(limits(10), undefined, all)).toEqual([
      '/bin/sh',
      '-c',
      'echo 10 > /proc/self/autogroup 2>/dev/null; exec "$@"',
      'sh',
      '/usr/bin/nice',
      '-n',
      '10',
      '/usr/bin/prlimit',
      '--cpu=240:245',
      '--nice=0:0',
      '--',
      '/usr/bin/setpriv',
      '--pdeathsig',
      'KILL',
      '--bounding-set',
      '-sys_nice',
      '--',
    ]);
    // Without nice(1), prlimit or setpriv installed: the autogroup's nice still applies.
    expect(wrapperPrefix(limits(19), undefined, { prlimit: false, setpriv: false, nice: false })).toEqual([
      '/bin/sh',
      '-c',
      'echo 19 > /proc/self/autogroup 2>/dev/null; exec "$@"',
      'sh',
    ]);
  });

  test('in a cgroup the priority is the cgroup weight: no nice prefix', () => {
    const cgroup = '/sys/fs/cgroup/sitewarden-browsers/browser-x';
    const prefix = wrapperPrefix(limits(10), cgroup, all);
    expect(prefix).toEqual(['/bin/sh', '-c', 'echo 0 > "$0/cgroup.procs" && exec "$@"', cgroup, ...PLAIN]);
    expect(wrapperPrefix(limits(0), cgroup, all)).toEqual(prefix);
  });

  test('a niceness the kernel would not take is refused', () => {
    for (const bad of [-1, 20, 2.5, Number.NaN]) {
      expect(() => wrapperPrefix(limits(bad), undefined, all)).toThrow(RangeError);
      expect(() => cgroupSettings(limits(bad))).toThrow(RangeError);
    }
  });
});

describe('cgroupSettings: the browser priority in a cgroup', () => {
  test('on: cpu.weight.nice at the value, after the limits', () => {
    const settings = cgroupSettings(limits(10));
    expect(settings.map(([file]) => file)).toEqual(['memory.max', 'memory.swap.max', 'memory.oom.group', 'cpu.max', 'pids.max', 'cpu.weight.nice']);
    expect(settings.at(-1)).toEqual(['cpu.weight.nice', '10']);
  });

  test('off: no weight is written (the cgroup keeps the default 100)', () => {
    for (const settings of [cgroupSettings(limits()), cgroupSettings(limits(0))]) {
      expect(settings.map(([file]) => file)).not.toContain('cpu.weight.nice');
      expect(settings.map(([file]) => file)).not.toContain('cpu.weight');
    }
    expect(cgroupSettings(limits()).find(([file]) => file === 'cpu.max')).toEqual(['cpu.max', '100000 100000']);
  });
});

/** Runs `script` behind the prefix as withBrowser runs Chromium (detached: a session, and an autogroup, of its own). */
function runWrapped(prefix: string[], script: string): Promise<string> {
  const [command, ...args] = [...prefix, '/bin/sh', '-c', script];
  return new Promise((resolve, reject) => {
    const child = spawn(command as string, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => resolve(out));
  });
}

const tools = { prlimit: existsSync('/usr/bin/prlimit'), setpriv: existsSync('/usr/bin/setpriv'), nice: existsSync('/usr/bin/nice') };
const linux = process.platform === 'linux' && tools.nice ? test : test.skip;

describe('the wrapped command, run for real', () => {
  // Field 19 of /proc/<pid>/stat is the nice value; 16 after the command's closing parenthesis.
  const report = 'echo "nice=$(cut -d")" -f2 /proc/self/stat | cut -d" " -f18)"; cat /proc/self/autogroup 2>/dev/null || echo "no autogroups"';

  linux('on: the process runs at the niceness, in an autogroup at the niceness (when the kernel has autogroups)', async () => {
    const out = await runWrapped(wrapperPrefix(limits(10), undefined, tools), report);
    expect(out).toMatch(/^nice=10$/m);
    if (!out.includes('no autogroups')) expect(out).toMatch(/autogroup-\d+ nice 10$/m);
  });

  linux('on: the browser cannot take its priority back (as Chromium tries for its UI thread, even as root)', async () => {
    const out = await runWrapped(wrapperPrefix(limits(10), undefined, tools), 'renice -n -8 -p $$ >/dev/null 2>&1 || echo refused; renice -n 0 -p $$ >/dev/null 2>&1 || echo refused again');
    expect(out).toBe('refused\nrefused again\n');
  });

  linux('off: the process runs at the worker’s own niceness, its autogroup untouched', async () => {
    const own = Number(/\) \S+(?: \S+){15} (-?\d+)/.exec(readFileSync('/proc/self/stat', 'utf8'))?.[1]);
    const out = await runWrapped(wrapperPrefix(limits(0), undefined, tools), report);
    expect(out).toMatch(new RegExp(`^nice=${own}$`, 'm'));
    if (!out.includes('no autogroups')) expect(out).toMatch(/autogroup-\d+ nice 0$/m);
  });
});
