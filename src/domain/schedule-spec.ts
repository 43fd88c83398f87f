import { Cron } from 'croner';
import ms from 'ms';
import { z } from 'zod';
import { CRAWL_LIMITS } from './crawl-urls.ts';

/**
 * When a schedule fires (docs/schedules.md): `every`, a duration in `ms`'s grammar with a unit, or
 * `cron`, a standard five-field expression, both in UTC. Pure: the API validates with it, and the
 * schedules service turns the result into a Temporal ScheduleSpec.
 */

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The floor of `every`, unless the instance lowers it (SCHEDULE_MIN_INTERVAL_SECONDS, for tests). */
export const DEFAULT_MIN_INTERVAL_SECONDS = 60;
/** The ceiling of `every`: one year, as `ms` counts it ("1y" = 365.25 days). */
export const MAX_INTERVAL_SECONDS = ms('1y') / 1000;
const MAX_EVERY_CHARS = 100;

/**
 * `ms`'s grammar ("90s", "1m", "6h", "1.5 hours", "1d", "2w", "1y") with a unit required: `ms`
 * reads a bare number as milliseconds ("60" = 60 ms), which no one writing a schedule means.
 * A whole number of seconds, at least `minSeconds`, at most a year.
 */
export function parseEvery(text: string, minSeconds = DEFAULT_MIN_INTERVAL_SECONDS): Parsed<{ seconds: number }> {
  const trimmed = text.trim();
  const grammar = 'a duration with a unit, such as "1m", "6h" or "1d"';
  if (trimmed.length === 0 || trimmed.length > MAX_EVERY_CHARS) return { ok: false, reason: `must be ${grammar}` };
  if (/^[-+]?(\d+\.?\d*|\.\d+)$/.test(trimmed)) return { ok: false, reason: `must name its unit (${grammar}); a bare number is not a duration` };
  const millis = ms(trimmed as ms.StringValue);
  if (typeof millis !== 'number' || !Number.isFinite(millis)) return { ok: false, reason: `must be ${grammar}` };
  if (millis % 1000 !== 0) return { ok: false, reason: 'must be a whole number of seconds' };
  const seconds = millis / 1000;
  if (seconds < minSeconds) return { ok: false, reason: `must be at least ${describeSeconds(minSeconds)}` };
  if (seconds > MAX_INTERVAL_SECONDS) return { ok: false, reason: 'must be at most one year' };
  return { ok: true, value: { seconds } };
}

function describeSeconds(seconds: number): string {
  if (seconds % 60 === 0) return seconds === 60 ? 'one minute' : `${seconds / 60} minutes`;
  return seconds === 1 ? 'one second' : `${seconds} seconds`;
}

const FIELDS = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
/** Numbers, `*`, lists, ranges and steps: what every cron reads alike (no L, W, #, ?, nicknames). */
const STANDARD_FIELD = /^[0-9*,\-/]+$/;

export interface CronSchedule {
  /** The expression as stored and shown: its five fields, single-spaced. */
  expression: string;
  /**
   * What Temporal is given. Temporal matches every field of a cron string together (AND), where
   * standard cron fires when either a restricted day-of-month or a restricted day-of-week matches
   * (OR): such an expression becomes two, one per day field, whose union is the standard meaning.
   */
  temporal: string[];
}

/** A standard five-field cron expression: minute hour day-of-month month day-of-week, in UTC. */
export function parseCron(text: string): Parsed<CronSchedule> {
  const fields = text.trim().split(/\s+/).filter(Boolean);
  if (fields.length !== 5) {
    return { ok: false, reason: `must have five fields (minute hour day-of-month month day-of-week); got ${fields.length}` };
  }
  for (const [index, field] of fields.entries()) {
    const names = index === 3 ? MONTHS : index === 4 ? WEEKDAYS : [];
    // Month and weekday names (JAN, mon) read as numbers would; anything else must be standard.
    const bare = field.replace(/[A-Za-z]+/g, (word) => (names.includes(word.toUpperCase()) ? '0' : word));
    if (!STANDARD_FIELD.test(bare)) return { ok: false, reason: `${FIELDS[index]} field "${field}" is not standard cron (numbers, names, *, lists, ranges and steps)` };
  }
  const expression = fields.join(' ');
  try {
    // Only parsed (no function, so nothing is scheduled): croner checks each field's range and steps.
    new Cron(expression, { mode: '5-part', timezone: 'UTC' }).stop();
  } catch (err) {
    return { ok: false, reason: `is not a valid cron expression: ${(err as Error).message.replace(/^CronPattern: /, '')}` };
  }
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields as [string, string, string, string, string];
  const temporal =
    dayOfMonth !== '*' && dayOfWeek !== '*'
      ? [`${minute} ${hour} ${dayOfMonth} ${month} *`, `${minute} ${hour} * ${month} ${dayOfWeek}`]
      : [expression];
  return { ok: true, value: { expression, temporal } };
}

/** The next `count` times a valid expression fires after `from` (UTC), by croner's standard reading. */
export function nextCronTimes(expression: string, from: Date, count: number): Date[] {
  const cron = new Cron(expression, { mode: '5-part', timezone: 'UTC' });
  try {
    return cron.nextRuns(count, from);
  } finally {
    cron.stop();
  }
}

/**
 * A scheduled crawl's options, as POST …/audit/crawls/run takes them (issue 15): stored with the
 * schedule, read back through this schema at the persistence boundary.
 */
// The bounds POST crawls/run holds (CRAWL_LIMITS): a schedule refuses at creation what its crawls would.
const crawlGlob = z.string().min(1).max(CRAWL_LIMITS.globLength);
export const crawlOptionsSchema = z.strictObject({
  max_pages: z.int().min(1).max(CRAWL_LIMITS.maxPages).default(CRAWL_LIMITS.defaultMaxPages).meta({ description: 'Pages scanned at most' }),
  max_depth: z.int().min(0).max(CRAWL_LIMITS.maxDepth).default(CRAWL_LIMITS.defaultMaxDepth).meta({ description: 'Links followed from the start URL at most' }),
  include: z.array(crawlGlob).max(CRAWL_LIMITS.globs).optional().meta({ description: 'Glob patterns of URLs to crawl; all of the site when absent' }),
  exclude: z.array(crawlGlob).max(CRAWL_LIMITS.globs).optional().meta({ description: 'Glob patterns of URLs to leave out' }),
});
export type CrawlOptions = z.infer<typeof crawlOptionsSchema>;
