import { setTimeout as sleep } from 'node:timers/promises';
import { processesOfRun, RUN_MARKER } from './processes.ts';

/**
 * Jest globalTeardown: a test run leaves no process behind. Every process this run started carries
 * RUN_MARKER=<run id> in its environment (set by the global setup, inherited through the test
 * workers by services, Temporal dev servers and browsers); any still alive after the last test
 * file is killed and fails the run. Jest's own workers are exiting by now and are not counted.
 */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env[RUN_MARKER];
  if (!runId) return;
  const leftovers = () => processesOfRun(runId, [process.pid]).filter((p) => !/jest-worker[/\\]build[/\\]workers/.test(p.cmdline));
  // A process killed by the last afterAll may take a moment to leave /proc.
  let left = leftovers();
  for (let i = 0; i < 40 && left.length; i++) {
    await sleep(250);
    left = leftovers();
  }
  if (!left.length) return;
  for (const { pid } of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  throw new Error(
    `the test run left ${left.length} process(es) running (now killed):\n${left.map((p) => `  pid ${p.pid} (parent ${p.ppid}): ${p.cmdline.slice(0, 200)}`).join('\n')}`,
  );
}
