import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { removeStaleBrowserHomes } from '../../src/gather/browser.ts';
import { eventually } from '../support/http.ts';
import { isGone, livePids } from '../support/processes.ts';

// A browser worker that dies (SIGKILL, OOM) takes its browsers with it, and the next worker start
// removes the homes it left. Chromium leads a process group of its own, so only the kernel's
// parent-death signal (browser-limits.ts) reaches it.

const ROOT = join(__dirname, '../..');
let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'browser-orphans-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

/** Live processes whose command line names `dir` (Chromium's --user-data-dir is inside it). */
function processesIn(dir: string): number[] {
  return livePids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
    } catch {
      return false;
    }
  });
}

it('a killed worker leaves no browser running, and its browser home is removed at the next start', async () => {
  const holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/hold-browser.ts'], {
    cwd: ROOT,
    env: { ...process.env, TMPDIR: scratch },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = (await once(createInterface({ input: holder.stdout! }), 'line')) as [string];
    expect(JSON.parse(line)).toEqual({ port: expect.any(Number) });
    const browsers = processesIn(scratch);
    expect(browsers.length).toBeGreaterThan(0);
    const homes = readdirSync(scratch).filter((name) => name.startsWith('sitewarden-chromium-'));
    expect(homes).toHaveLength(1);

    // The worker only: no shutdown hook, no group kill.
    holder.kill('SIGKILL');
    await once(holder, 'exit');
    expect(isGone(holder.pid!)).toBe(true);
    const left = await eventually(async () => processesIn(scratch), (pids) => pids.length === 0, 15_000);
    expect(left).toEqual([]);
    expect(browsers.every(isGone)).toBe(true);

    // The home outlived its worker; a home whose owner lives (this process) is kept.
    const alive = join(scratch, 'sitewarden-chromium-alive');
    mkdirSync(alive);
    const stat = readFileSync('/proc/self/stat', 'utf8');
    writeFileSync(join(alive, 'owner.json'), JSON.stringify({ pid: process.pid, start: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] }));
    const browserHomes = () => readdirSync(scratch).filter((name) => name.startsWith('sitewarden-chromium-')).sort();
    expect(browserHomes()).toEqual([homes[0], 'sitewarden-chromium-alive'].sort());
    expect(await removeStaleBrowserHomes(scratch)).toBe(1);
    expect(browserHomes()).toEqual(['sitewarden-chromium-alive']);
  } finally {
    if (holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
  }
}, 60_000);
