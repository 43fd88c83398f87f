import { CRAWL_LIMITS } from '../../src/domain/crawl-urls.ts';
import { crawlOptionsSchema, nextCronTimes, parseCron, parseEvery } from '../../src/domain/schedule-spec.ts';

describe('parseEvery', () => {
  it.each([
    ['1m', 60],
    ['6h', 6 * 3600],
    ['1d', 86_400],
    ['90s', 90],
    ['1.5h', 5400],
    ['2 weeks', 14 * 86_400],
    [' 10 minutes ', 600],
    ['1y', 365.25 * 86_400],
  ])('reads %j as %d seconds', (text, seconds) => {
    expect(parseEvery(text)).toEqual({ ok: true, value: { seconds } });
  });

  it.each([
    ['59s', 'at least one minute'],
    ['30s', 'at least one minute'],
    ['60', 'bare number'],
    ['1', 'bare number'],
    ['-1m', 'at least one minute'],
    ['1 fortnight', 'a duration with a unit'],
    ['', 'a duration with a unit'],
    ['m', 'a duration with a unit'],
    ['1m30s', 'a duration with a unit'],
    ['1500ms', 'whole number of seconds'],
    ['61.5s', 'whole number of seconds'],
    ['2y', 'at most one year'],
    ['1'.repeat(101) + 'm', 'a duration with a unit'],
  ])('refuses %j (%s)', (text, reason) => {
    const parsed = parseEvery(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });

  it('takes a lower floor when the instance sets one (tests)', () => {
    expect(parseEvery('5s', 2)).toEqual({ ok: true, value: { seconds: 5 } });
    expect(parseEvery('1s', 2)).toMatchObject({ ok: false, reason: 'must be at least 2 seconds' });
    expect(parseEvery('5s')).toMatchObject({ ok: false, reason: 'must be at least one minute' });
  });
});

describe('parseCron', () => {
  it.each([
    ['0 3 * * *'],
    ['*/15 * * * *'],
    ['0 9-17 * * MON-FRI'],
    ['30 6 1,15 * *'],
    ['0 0 * JAN,jul sun'],
    ['10-50/10 * * * *'],
  ])('accepts %j as one Temporal expression', (text) => {
    expect(parseCron(text)).toEqual({ ok: true, value: { expression: text, temporal: [text] } });
  });

  it('normalises spacing', () => {
    expect(parseCron('  0   3 * *\t* ')).toEqual({ ok: true, value: { expression: '0 3 * * *', temporal: ['0 3 * * *'] } });
  });

  it('splits a restricted day-of-month and day-of-week into two (standard cron ORs them; Temporal ANDs a string)', () => {
    expect(parseCron('0 12 1 * MON')).toEqual({ ok: true, value: { expression: '0 12 1 * MON', temporal: ['0 12 1 * *', '0 12 * * MON'] } });
    // The standard reading: the 1st of each month and every Monday.
    const times = nextCronTimes('0 12 1 * MON', new Date('2026-12-01T13:00:00Z'), 3).map((d) => d.toISOString());
    expect(times).toEqual(['2026-12-07T12:00:00.000Z', '2026-12-14T12:00:00.000Z', '2026-12-21T12:00:00.000Z']);
  });

  it.each([
    ['0 0 3 * * *', 'five fields', '6'],
    ['0 3 * *', 'five fields', '4'],
    ['', 'five fields', '0'],
    ['0 0 0 * * * 2027', 'five fields', '7'],
    ['@daily', 'five fields', '1'],
    ['60 * * * *', 'not a valid cron expression', ''],
    ['* 24 * * *', 'not a valid cron expression', ''],
    ['* * 32 * *', 'not a valid cron expression', ''],
    ['* * * 13 *', 'not a valid cron expression', ''],
    ['* * L * *', 'day-of-month field "L" is not standard', ''],
    ['* * 15W * *', 'day-of-month field "15W" is not standard', ''],
    ['* * * * MON#2', 'day-of-week field "MON#2" is not standard', ''],
    ['* * ? * MON', 'day-of-month field "?" is not standard', ''],
    ['0 20 1 * +MON', 'day-of-week field "+MON" is not standard', ''],
    ['* * * FOO *', 'month field "FOO" is not standard', ''],
    ['* * * * MONDAY', 'day-of-week field "MONDAY" is not standard', ''],
    ['* * * MON *', 'month field "MON" is not standard', ''],
  ])('refuses %j', (text, reason, count) => {
    const parsed = parseCron(text);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
    if (count) expect(!parsed.ok && parsed.reason).toContain(`got ${count}`);
  });
});

describe('nextCronTimes', () => {
  it('reads the expression in UTC', () => {
    expect(nextCronTimes('30 6 * * *', new Date('2026-12-04T20:00:00Z'), 2).map((d) => d.toISOString())).toEqual(['2026-12-05T06:30:00.000Z', '2026-12-06T06:30:00.000Z']);
  });
});

describe("a schedule's crawl options hold POST crawls/run's bounds", () => {
  it('accepts what a crawl accepts, at its limits', () => {
    const options = crawlOptionsSchema.parse({ max_pages: CRAWL_LIMITS.maxPages, max_depth: CRAWL_LIMITS.maxDepth, include: Array(CRAWL_LIMITS.globs).fill('/a/*') });
    expect(options).toMatchObject({ max_pages: 10_000, max_depth: 20 });
    expect(crawlOptionsSchema.parse({})).toEqual({ max_pages: 100, max_depth: 5 });
  });
  it('refuses what a crawl refuses', () => {
    expect(crawlOptionsSchema.safeParse({ max_depth: 21 }).success).toBe(false);
    expect(crawlOptionsSchema.safeParse({ max_pages: 10_001 }).success).toBe(false);
    expect(crawlOptionsSchema.safeParse({ exclude: Array(21).fill('/a/*') }).success).toBe(false);
    expect(crawlOptionsSchema.safeParse({ include: ['/' + 'a'.repeat(200)] }).success).toBe(false);
  });
});
