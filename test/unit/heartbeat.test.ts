import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { heartbeating } from '../../src/activities/heartbeat.ts';

it('heartbeats while the work runs, and returns its result', async () => {
  const env = new MockActivityEnvironment();
  let beats = 0;
  env.on('heartbeat', () => beats++);
  const result = await env.run(() => heartbeating(() => new Promise((resolve) => setTimeout(() => resolve('done'), 400)), 20));
  expect(result).toBe('done');
  expect(beats).toBeGreaterThanOrEqual(3);
});

it('on cancellation, lets work that honours the signal clean up, then fails with the cancellation', async () => {
  const env = new MockActivityEnvironment();
  const events: string[] = [];
  const running = env.run(() =>
    heartbeating(
      (signal) =>
        new Promise((_, reject) =>
          signal.addEventListener('abort', () => {
            // e.g. withBrowser killing Chromium: takes a moment.
            setTimeout(() => {
              events.push('cleaned up');
              reject(signal.reason);
            }, 100);
          }),
        ),
      1_000,
      5_000,
    ),
  );
  setTimeout(() => env.cancel('CANCELLED'), 20);
  await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  events.push('activity ended');
  expect(events).toEqual(['cleaned up', 'activity ended']);
});

it('does not wait past the grace for work that ignores the signal', async () => {
  const env = new MockActivityEnvironment();
  const started = Date.now();
  const running = env.run(() => heartbeating(() => new Promise((resolve) => setTimeout(resolve, 10_000).unref()), 1_000, 200));
  setTimeout(() => env.cancel('CANCELLED'), 20);
  await expect(running).rejects.toBeInstanceOf(CancelledFailure);
  expect(Date.now() - started).toBeLessThan(2_000);
});
