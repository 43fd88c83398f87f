import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { confine, DEFAULT_BROWSER_LIMITS } from '../../../src/gather/browser-limits.ts';

const autogroups = existsSync('/proc/self/autogroup') ? test : test.skip;
const watchdogLimits = { ...DEFAULT_BROWSER_LIMITS, cgroupParent: undefined };

describe('Confinement.setNiceness outside a cgroup: the browser’s autogroup', () => {
  autogroups('the wrapped command is as before (no nice prefix); the priority goes to the session’s autogroup, down and back up', async () => {
    const confinement = await confine(watchdogLimits);
    expect(confinement.mode).toBe('watchdog');
    const [command, args] = confinement.wrap('/bin/sh', ['-c', 'sleep 30']);
    expect([command, ...args].join(' ')).not.toMatch(/nice|autogroup/);
    // Spawned as runChromium spawns Chromium: detached, so it leads a session (an autogroup) of its own.
    const child = spawn(command, args, { detached: true, stdio: 'ignore' });
    const pid = child.pid as number;
    const autogroup = () => readFileSync(`/proc/${pid}/autogroup`, 'utf8').trim();
    // This process's autogroup, as it was: a process that never left init's session reads "" here
    // (the root task group is no autogroup), as under CI's runner; one in a login session reads
    // "/autogroup-N nice 0".
    const own = () => readFileSync('/proc/self/autogroup', 'utf8').trim();
    const ownBefore = own();
    try {
      confinement.watch(pid, () => {});
      expect(autogroup()).toMatch(/ nice 0$/);
      expect(await confinement.setNiceness(10)).toBe(true);
      expect(autogroup()).toMatch(/ nice 10$/);
      // Not this process's: the worker keeps its priority.
      expect(own()).toBe(ownBefore);
      expect(await confinement.setNiceness(0)).toBe(true);
      expect(autogroup()).toMatch(/ nice 0$/);
      await expect(confinement.setNiceness(20)).rejects.toThrow(RangeError);
      await expect(confinement.setNiceness(-1)).rejects.toThrow(RangeError);
    } finally {
      process.kill(-pid, 'SIGKILL');
      await once(child, 'exit');
      await confinement.release();
    }
    expect(await confinement.setNiceness(10)).toBe(false); // released: nothing to set
  });
});
