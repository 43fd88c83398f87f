import type { FindingStatus } from '../generated/prisma/enums.ts';
import { OPEN_FINDING_STATUSES } from './lifecycle.ts';

/**
 * The figures of `GET reports/summary` (PRODUCT.md §5, Krafter's reports page). Days are UTC
 * calendar days; rates are rounded to 4 decimals and are 0 when their denominator is.
 */
export const BURN_DOWN_DAYS = 7;

const DAY_MS = 86_400_000;

/** A finding's state after one of its events (FindingEvent rows hold the state after the change). */
export interface FindingStateEvent {
  finding_id: string;
  status: FindingStatus;
  priority_score: number;
  created_at: Date;
}

export interface BurnDownPoint {
  date: string;
  open_risk_score: number;
}

const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const startOfDay = (date: Date) => Math.floor(date.getTime() / DAY_MS) * DAY_MS;

/** The first instant of the window: midnight UTC, `BURN_DOWN_DAYS - 1` days before today. */
export function burnDownStart(now: Date): Date {
  return new Date(startOfDay(now) - (BURN_DOWN_DAYS - 1) * DAY_MS);
}

/** The window's days, oldest first, today last: the report period. */
export function burnDownDates(now: Date): string[] {
  const first = burnDownStart(now).getTime();
  return Array.from({ length: BURN_DOWN_DAYS }, (_, i) => isoDate(first + i * DAY_MS));
}

/**
 * The open risk at the end of each of the last seven days (today: now), oldest first: the sum of
 * `priority_score` over findings whose latest event by then left them open. `events` must hold,
 * for every finding, its latest event before the window (if any) and all its events since.
 */
export function riskBurnDown(events: readonly FindingStateEvent[], now: Date): BurnDownPoint[] {
  const ordered = [...events].sort((a, b) => a.created_at.getTime() - b.created_at.getTime());
  const state = new Map<string, { open: boolean; priority: number }>();
  const first = burnDownStart(now).getTime();
  let next = 0;
  return burnDownDates(now).map((date, i) => {
    const dayEnd = first + (i + 1) * DAY_MS;
    for (; next < ordered.length && ordered[next]!.created_at.getTime() < dayEnd; next++) {
      const event = ordered[next]!;
      state.set(event.finding_id, { open: OPEN_FINDING_STATUSES.includes(event.status), priority: event.priority_score });
    }
    let risk = 0;
    for (const finding of state.values()) if (finding.open) risk += finding.priority;
    return { date, open_risk_score: risk };
  });
}

export function rate(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : Math.round((numerator / denominator) * 10_000) / 10_000;
}

export interface SummaryCounts {
  verificationsPassed: number;
  verifications: number;
  openRegressions: number;
  /** Findings resolved or dismissed: the regression rate's denominator. */
  closedFindings: number;
  openFindings: number;
}

export function summaryRates(counts: SummaryCounts) {
  return {
    verification_pass_rate: rate(counts.verificationsPassed, counts.verifications),
    regression_rate: rate(counts.openRegressions, counts.closedFindings),
    open_findings: counts.openFindings,
  };
}
