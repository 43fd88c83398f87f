// Lighthouse's own implementation of the rule Lighthouse CI uses to pick the representative run
// (lighthouse/core/lib/median-run.js, Apache-2.0): ESM without dependencies, loaded by require().
import { computeMedianRun, filterToValidRuns } from 'lighthouse/core/lib/median-run.js';
import type { LabMetric, LabRuns, LabSpread, PerformanceArtifacts } from '../checks/artifacts.ts';

export const LAB_METRICS: readonly LabMetric[] = ['lcpMs', 'fcpMs', 'cls', 'tbtMs', 'speedIndexMs', 'ttfbMs', 'ttiMs'];

/** The two audits computeMedianRun reads, and nothing else: it needs no more of a result. */
interface MedianInput {
  audits: { 'first-contentful-paint': { numericValue: number }; interactive: { numericValue: number } };
}
type Lhr = Parameters<typeof computeMedianRun>[0][number];

/**
 * Of several Lighthouse runs of one page, the one to keep, and the spread of each metric
 * (docs/scanning.md, "Stable lab figures"). The kept run is Lighthouse CI's median run: the run
 * closest (Euclidean distance) to the median FCP and the median TTI, ties going to the lower TTI
 * and then to the earlier run. Runs without an FCP or a TTI are left out of the choice, as
 * Lighthouse CI's filterToValidRuns does; when no run has both, the first run is kept. Its
 * findings are the page's findings; its metrics are not the per-metric medians (those are in
 * `lab.spread`), so what is reported and what was judged come from one real load of the page.
 */
export function keepMedianRun(runs: readonly PerformanceArtifacts[]): PerformanceArtifacts {
  const first = runs[0];
  if (!first) throw new Error('no Lighthouse run to choose from');
  const inputs: MedianInput[] = runs.map((run) => ({
    audits: {
      'first-contentful-paint': { numericValue: run.metrics.fcpMs ?? Number.NaN },
      interactive: { numericValue: run.metrics.ttiMs ?? Number.NaN },
    },
  }));
  const valid = filterToValidRuns(inputs as unknown as Lhr[]);
  const chosen = valid.length ? (computeMedianRun(valid) as unknown as MedianInput) : inputs[0];
  const index = Math.max(0, inputs.indexOf(chosen as MedianInput));
  const kept = runs[index] ?? first;
  const lab: LabRuns = { runs: runs.length, keptRun: index + 1, spread: labSpread(runs) };
  return { ...kept, lab };
}

/** Per metric, min, median and max over the runs that measured it. */
export function labSpread(runs: readonly PerformanceArtifacts[]): LabRuns['spread'] {
  const spread: LabRuns['spread'] = {};
  for (const metric of LAB_METRICS) {
    const values = runs.map((run) => run.metrics[metric]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (values.length) spread[metric] = spreadOf(values);
  }
  return spread;
}

function spreadOf(values: number[]): LabSpread {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  // Lighthouse's getMedianValue: the middle value, or the mean of the middle two.
  const median = sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { min: sorted[0] as number, median, max: sorted.at(-1) as number };
}
