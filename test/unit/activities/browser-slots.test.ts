import { browserTaskSlots, Slots } from '../../../src/activities/browser-share.ts';

// The Chromium slots of one worker (src/activities/browser-share.ts): served in arrival order, so
// the orgs holding a lease take turns; a waiter that gives up leaves the line.

const never = new AbortController().signal;

test('at most `size` holders; waiters are served in arrival order', async () => {
  const slots = new Slots(1);
  const first = await slots.acquire(never);
  expect(first).toBeInstanceOf(Function);
  const order: string[] = [];
  const b = slots.acquire(never).then((release) => (order.push('b'), release));
  const c = slots.acquire(never).then((release) => (order.push('c'), release));
  await new Promise((resolve) => setImmediate(resolve));
  expect(order).toEqual([]);
  first!();
  const releaseB = await b;
  expect(order).toEqual(['b']);
  releaseB!();
  releaseB!(); // a second release frees nothing more
  const releaseC = await c;
  expect(order).toEqual(['b', 'c']);
  releaseC!();
  // Free again: taken at once, and only one.
  const again = await slots.acquire(never);
  const late = new AbortController();
  const blocked = slots.acquire(late.signal);
  late.abort();
  expect(await blocked).toBeUndefined();
  again!();
});

test('a waiter whose signal fires leaves the line without taking a slot', async () => {
  const slots = new Slots(1);
  const held = await slots.acquire(never);
  const leaving = new AbortController();
  const gone = slots.acquire(leaving.signal);
  const next = slots.acquire(never);
  leaving.abort();
  expect(await gone).toBeUndefined();
  held!();
  expect(await next).toBeInstanceOf(Function);
});

test('the browser worker takes more tasks than it runs Chromiums (both kinds), so busy orgs can be turned away', () => {
  expect(browserTaskSlots({ BROWSER_CONCURRENCY: 1, BROWSER_AXE_CONCURRENCY: 0 })).toBe(3);
  expect(browserTaskSlots({ BROWSER_CONCURRENCY: 4, BROWSER_AXE_CONCURRENCY: 0 })).toBe(9);
  expect(browserTaskSlots({ BROWSER_CONCURRENCY: 1, BROWSER_AXE_CONCURRENCY: 1 })).toBe(5);
});
