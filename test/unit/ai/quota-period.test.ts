import { AiQuotaExceeded, quotaPeriod } from '../../../src/services/ai-quota.ts';

const at = (iso: string) => new Date(iso);

test.each([
  ['month', '2026-11-25T15:00:00Z', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z'],
  ['month', '2026-12-31T23:59:59Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
  ['day', '2026-11-25T15:00:00Z', '2026-11-25T00:00:00.000Z', '2026-11-26T00:00:00.000Z'],
  // ISO weeks start on Monday: 2026-11-25 is a Wednesday, 2026-11-29 a Sunday.
  ['week', '2026-11-25T15:00:00Z', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
  ['week', '2026-11-29T23:00:00Z', '2026-11-23T00:00:00.000Z', '2026-11-30T00:00:00.000Z'],
  ['week', '2026-11-30T00:00:00Z', '2026-11-30T00:00:00.000Z', '2026-12-07T00:00:00.000Z'],
] as const)('%s period of %s: %s to %s (UTC)', (period, now, start, resets) => {
  const p = quotaPeriod(period, at(now));
  expect([p.start.toISOString(), p.resetsAt.toISOString()]).toEqual([start, resets]);
});

test('retry-after counts whole seconds to the reset, at least 1', () => {
  const exceeded = new AiQuotaExceeded(10, 'day', at('2026-11-26T00:00:00Z'));
  expect(exceeded.retryAfterSeconds(at('2026-11-25T23:59:58.200Z'))).toBe(2);
  expect(exceeded.retryAfterSeconds(at('2026-11-26T00:00:05Z'))).toBe(1);
  expect(exceeded.message).toBe('The AI quota of 10 units per day is used up; it resets at 2026-11-26T00:00:00.000Z');
});
