import { burnDownDates, rate, riskBurnDown, summaryRates, type FindingStateEvent } from '../../../src/domain/report-summary.ts';

const NOW = new Date('2025-06-10T15:00:00Z');
const at = (iso: string) => new Date(iso);
const event = (finding_id: string, status: FindingStateEvent['status'], priority_score: number, created_at: string): FindingStateEvent => ({
  finding_id,
  status,
  priority_score,
  created_at: at(created_at),
});

describe('risk burn-down', () => {
  it('covers today and the six days before, oldest first, in UTC', () => {
    expect(burnDownDates(NOW)).toEqual(['2025-06-04', '2025-06-05', '2025-06-06', '2025-06-07', '2025-06-08', '2025-06-09', '2025-06-10']);
    // Just after midnight UTC is already the next day, whatever the local zone.
    expect(burnDownDates(at('2025-06-11T00:00:00.001Z')).at(-1)).toBe('2025-06-11');
  });

  it('is all zeros without events', () => {
    expect(riskBurnDown([], NOW).map((p) => p.open_risk_score)).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("is each day's open risk at its end, carried over days without events", () => {
    const history = [
      // Before the window: A open (40), B already resolved.
      event('A', 'new', 40, '2025-05-20T10:00:00Z'),
      event('B', 'new', 30, '2025-05-21T10:00:00Z'),
      event('B', 'resolved', 30, '2025-05-25T10:00:00Z'),
      // Jun 5: C detected (unscored), then scored the same day.
      event('C', 'new', 0, '2025-06-05T08:00:00Z'),
      event('C', 'new', 25, '2025-06-05T08:00:01Z'),
      // Jun 7: A in progress (still open) and re-scored; nothing on Jun 6.
      event('A', 'in_progress', 50, '2025-06-07T23:59:59.999Z'),
      // Jun 8: B regresses (back open); C dismissed.
      event('B', 'triaged', 30, '2025-06-08T12:00:00Z'),
      event('C', 'dismissed', 25, '2025-06-08T13:00:00Z'),
      // Jun 9 at midnight exactly: A resolved — counts for the 9th, not the 8th.
      event('A', 'resolved', 50, '2025-06-09T00:00:00Z'),
    ];
    expect(riskBurnDown(history, NOW)).toEqual([
      { date: '2025-06-04', open_risk_score: 40 },
      { date: '2025-06-05', open_risk_score: 65 },
      { date: '2025-06-06', open_risk_score: 65 },
      { date: '2025-06-07', open_risk_score: 75 },
      { date: '2025-06-08', open_risk_score: 80 },
      { date: '2025-06-09', open_risk_score: 30 },
      { date: '2025-06-10', open_risk_score: 30 },
    ]);
  });

  it('does not depend on the order events are given in', () => {
    const history = [event('A', 'resolved', 10, '2025-06-09T10:00:00Z'), event('A', 'new', 10, '2025-06-06T10:00:00Z')];
    expect(riskBurnDown(history, NOW).map((p) => p.open_risk_score)).toEqual([0, 0, 10, 10, 10, 0, 0]);
  });

  it('counts every open status (new, triaged, in_progress, ready_verify) and no closed one', () => {
    const history = (['new', 'triaged', 'in_progress', 'ready_verify', 'resolved', 'dismissed'] as const).map((status, i) =>
      event(`F${i}`, status, 2 ** i, '2025-06-10T01:00:00Z'),
    );
    expect(riskBurnDown(history, NOW).at(-1)).toEqual({ date: '2025-06-10', open_risk_score: 1 + 2 + 4 + 8 });
  });
});

describe('rates', () => {
  it('are 0 when the denominator is 0, else rounded to 4 decimals', () => {
    expect(rate(0, 0)).toBe(0);
    expect(rate(5, 0)).toBe(0);
    expect(rate(1, 3)).toBe(0.3333);
    expect(rate(21, 25)).toBe(0.84);
  });

  it('follow PRODUCT.md §5', () => {
    expect(summaryRates({ verificationsPassed: 21, verifications: 25, openRegressions: 3, closedFindings: 25, openFindings: 11 })).toEqual({
      verification_pass_rate: 0.84,
      regression_rate: 0.12,
      open_findings: 11,
    });
    expect(summaryRates({ verificationsPassed: 0, verifications: 0, openRegressions: 2, closedFindings: 0, openFindings: 0 })).toEqual({
      verification_pass_rate: 0,
      regression_rate: 0,
      open_findings: 0,
    });
  });
});
