import type { PerformanceArtifacts } from '../../src/checks/artifacts.ts';
import { tbt } from '../../src/checks/performance/tbt.ts';
import { runCheck } from '../../src/checks/types.ts';
import { keepMedianRun, labSpread } from '../../src/domain/lab-runs.ts';
import { performanceLab } from '../../src/domain/lab-summary.ts';
import { applySettingsPatch, parseProjectSettings, projectSettingsPatchSchema, runsThatFit } from '../../src/domain/project-settings.ts';

/** A synthetic Lighthouse run: FCP and TTI choose the median run; `tag` (in the URL) names the run. */
function run(tag: string, fcpMs: number | null, ttiMs: number | null, rest: Partial<PerformanceArtifacts['metrics']> = {}): PerformanceArtifacts {
  return {
    url: `https://example.com/${tag}`,
    source: 'lighthouse',
    metrics: { lcpMs: 2000, fcpMs, cls: 0.01, tbtMs: 100, speedIndexMs: 3000, ttfbMs: 100, ttiMs, ...rest },
    opportunities: [{ id: `audit-of-${tag}`, title: tag, description: '', score: 0.5 }],
    lighthouseVersion: '13.5.0',
  };
}
const kept = (runs: PerformanceArtifacts[]) => keepMedianRun(runs).url.split('/').pop();

describe('the median run (Lighthouse CI: closest to the median FCP and TTI)', () => {
  it('keeps the one run of N=1, with a spread of that run', () => {
    const only = keepMedianRun([run('a', 1000, 3000, { lcpMs: 2500 })]);
    expect(only.url).toBe('https://example.com/a');
    expect(only.lab).toEqual({ runs: 1, keptRun: 1, spread: expect.objectContaining({ lcpMs: { min: 2500, median: 2500, max: 2500 } }) });
  });

  it('keeps the middle run of three, wherever it ran, and its findings', () => {
    const slow = run('slow', 3000, 9000);
    const middle = run('middle', 2000, 6000);
    const fast = run('fast', 1000, 3000);
    for (const order of [[slow, middle, fast], [middle, fast, slow], [fast, slow, middle]]) expect(kept(order)).toBe('middle');
    const chosen = keepMedianRun([fast, middle, slow]);
    expect(chosen.opportunities.map((o) => o.id)).toEqual(['audit-of-middle']);
    expect(chosen.lab?.keptRun).toBe(2);
  });

  it('weighs FCP and TTI together: the run nearest both medians, not the one with the median FCP', () => {
    // Medians: FCP 2000 (b's), TTI 5950. b's TTI is far off; c is near both.
    const runs = [run('a', 1000, 5000), run('b', 2000, 9000), run('c', 1950, 5950), run('d', 2600, 6000), run('e', 3000, 5800)];
    expect(kept(runs)).toBe('c');
  });

  it('breaks a tie in distance with the lower TTI, and a full tie with the earlier run', () => {
    // Medians FCP 2000 (p's), TTI 6000 (q's); low and high are equally far from both (100 ms each way).
    const p = run('p', 2000, 9000);
    const q = run('q', 5000, 6000);
    const x = run('x', 500, 3000);
    const high = run('high', 2100, 6100);
    const low = run('low', 1900, 5900);
    expect(kept([p, high, q, low, x])).toBe('low');
    expect(kept([low, p, x, q, high])).toBe('low');
    // Three identical runs: the first.
    expect(keepMedianRun([run('first', 2000, 6000), run('second', 2000, 6000), run('third', 2000, 6000)]).lab?.keptRun).toBe(1);
  });

  it('leaves runs without FCP or TTI out of the choice, and keeps the first when none has both', () => {
    expect(kept([run('no-tti', 2000, null), run('a', 1000, 3000), run('b', 3000, 9000), run('c', 2000, 6000)])).toBe('c');
    expect(kept([run('x', null, null), run('y', 2000, null)])).toBe('x');
  });

  it('spreads each metric over the runs that measured it: min ≤ median ≤ max, the kept run aside', () => {
    const runs = [
      run('a', 1000, 3000, { lcpMs: 2600, tbtMs: 400, cls: 0.02 }),
      run('b', 2000, 6000, { lcpMs: 2200, tbtMs: 90, cls: null }),
      run('c', 3000, 9000, { lcpMs: 3100, tbtMs: 150, cls: 0.1 }),
    ];
    const spread = labSpread(runs);
    expect(spread.lcpMs).toEqual({ min: 2200, median: 2600, max: 3100 });
    expect(spread.tbtMs).toEqual({ min: 90, median: 150, max: 400 });
    // Two runs measured CLS: the mean of the middle two, as Lighthouse's getMedianValue.
    expect(spread.cls).toEqual({ min: 0.02, median: expect.closeTo(0.06, 10), max: 0.1 });
    const summary = performanceLab(keepMedianRun(runs));
    expect(summary).toMatchObject({ source: 'lighthouse', runs: 3, kept_run: 2 });
    // The kept run's own LCP (2200), not the per-metric median (2600).
    expect(summary.metrics.lcp_ms).toEqual({ min: 2200, median: 2600, max: 3100, kept: 2200 });
    expect(summary.metrics.tti_ms).toEqual({ min: 3000, median: 6000, max: 9000, kept: 6000 });
    expect(summary.metrics.cls).toEqual({ min: 0.02, median: expect.closeTo(0.06, 10), max: 0.1, kept: null });
  });

  it("judges the kept run's values, and says so with the spread", () => {
    const chosen = keepMedianRun([run('a', 1000, 3000, { tbtMs: 900 }), run('b', 2000, 6000, { tbtMs: 350 }), run('c', 3000, 9000, { tbtMs: 120 })]);
    const [finding] = runCheck(tbt, chosen);
    expect(finding?.evidence).toMatchObject({ value: 350, lab: 350, lab_runs: { runs: 3, kept_run: 2, spread: { min: 120, median: 350, max: 900 } } });
    expect(finding?.description).toContain('median run of 3 mobile lab runs of Lighthouse');
    expect(finding?.description).toContain('The runs ranged 120 ms–900 ms.');
    // One run: the evidence and wording of before.
    const [single] = runCheck(tbt, keepMedianRun([run('a', 1000, 3000, { tbtMs: 350 })]));
    expect(single?.evidence).not.toHaveProperty('lab_runs');
    expect(single?.description).toContain('in a mobile Lighthouse lab run on');
  });
});

describe('the lighthouse_runs setting', () => {
  it('is 1 by default, 1, 3 or 5 when set, and anything else is refused', () => {
    expect(parseProjectSettings({})).toEqual({ lighthouse_runs: 1 });
    expect(parseProjectSettings(null)).toEqual({ lighthouse_runs: 1 });
    // A stored value that is not valid (written by hand) falls back to the default.
    expect(parseProjectSettings({ lighthouse_runs: 4 })).toEqual({ lighthouse_runs: 1 });
    for (const ok of [1, 3, 5]) expect(projectSettingsPatchSchema.safeParse({ lighthouse_runs: ok }).success).toBe(true);
    for (const bad of [0, 2, 4, 6, 7, -1, 1.5, '3', null]) expect(projectSettingsPatchSchema.safeParse({ lighthouse_runs: bad }).success).toBe(false);
    expect(projectSettingsPatchSchema.safeParse({ runs: 3 }).success).toBe(false);
    expect(applySettingsPatch({ lighthouse_runs: 5 }, {})).toEqual({ lighthouse_runs: 5 });
    expect(applySettingsPatch({ lighthouse_runs: 5 }, { lighthouse_runs: 3 })).toEqual({ lighthouse_runs: 3 });
  });

  it('runs no more than a timeout made for fewer covers', () => {
    expect(runsThatFit(5, () => true)).toBe(5);
    expect(runsThatFit(5, (n) => n <= 4)).toBe(3);
    expect(runsThatFit(3, (n) => n <= 2)).toBe(1);
    expect(runsThatFit(5, () => false)).toBe(1);
  });
});
