import { z } from 'zod';
import type { LabMetric, PerformanceArtifacts } from '../checks/artifacts.ts';

/** The lab metrics as the scan summary names them. */
const SUMMARY_NAMES: Record<LabMetric, string> = {
  lcpMs: 'lcp_ms',
  fcpMs: 'fcp_ms',
  cls: 'cls',
  tbtMs: 'tbt_ms',
  speedIndexMs: 'speed_index_ms',
  ttfbMs: 'ttfb_ms',
  ttiMs: 'tti_ms',
};

const finite = z.number().refine(Number.isFinite);
const metricSpreadSchema = z.object({
  min: finite,
  median: finite.meta({ description: "The median of the runs' values (it may differ from `kept`: the kept run is chosen by FCP and TTI together)" }),
  max: finite,
  kept: finite.nullable().meta({ description: "The kept (median) run's value: the one the findings judged; null when that run did not measure it" }),
});

/**
 * `summary.performance_lab` of a scan: written by the performance scanner (beside the findings of
 * the kept run), kept by finalizeScanRun when that scanner finished. Parsed with this schema when
 * read back (the persistence boundary).
 */
export const storedPerformanceLabSchema = z.object({
  source: z.enum(['lighthouse', 'pagespeed']),
  runs: z.int().min(1),
  kept_run: z.int().min(1),
  metrics: z.partialRecord(z.enum(Object.values(SUMMARY_NAMES) as [string, ...string[]]), metricSpreadSchema),
});
export type PerformanceLab = z.output<typeof storedPerformanceLabSchema>;

/** What the summary shows of the performance scanner's runs. */
export function performanceLab(artifacts: PerformanceArtifacts): PerformanceLab {
  const lab = artifacts.lab ?? { runs: 1, keptRun: 1, spread: {} };
  const metrics: PerformanceLab['metrics'] = {};
  for (const [metric, name] of Object.entries(SUMMARY_NAMES) as [LabMetric, string][]) {
    const spread = lab.spread[metric];
    if (spread) metrics[name] = { ...spread, kept: artifacts.metrics[metric] ?? null };
  }
  return { source: artifacts.source, runs: lab.runs, kept_run: lab.keptRun, metrics };
}

export function parseStoredLab(value: unknown): PerformanceLab | undefined {
  const parsed = storedPerformanceLabSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
