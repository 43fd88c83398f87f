import type { LabMetric, PerformanceArtifacts } from '../artifacts.ts';
import type { Check, Severity } from '../types.ts';

export interface MetricSpec {
  id: string;
  /** Verification check key. */
  key: string;
  /** Its name among the lab metrics (the spread of several Lighthouse runs is kept per metric). */
  labMetric: LabMetric;
  /** Typical work to fix, 0..100 (the check's `effort`). */
  effort: number;
  /** e.g. "Largest Contentful Paint (LCP)". */
  label: string;
  unit: 'ms' | 'score';
  /** Google's thresholds: good ≤ `good`, poor > `poor`, needs improvement between. */
  good: number;
  poor: number;
  /** The lab value (null: not measured) and, from CrUX, the field value when there is one. */
  read(artifacts: PerformanceArtifacts): { lab: number | null; field?: number };
  title: string;
  description: string;
  fix: { summary: string; steps: string[] };
}

/** A check that rates one Core Web Vital or Lighthouse metric, preferring real users' data to the lab's. */
export function metricCheck(spec: MetricSpec): Check<PerformanceArtifacts> {
  return {
    id: spec.id,
    domain: 'performance',
    title: spec.title,
    description: spec.description,
    severity: 'high',
    effort: spec.effort,
    verificationKey: spec.key,
    fix: spec.fix,
    evaluate(artifacts) {
      const { lab, field } = spec.read(artifacts);
      const value = field ?? lab;
      if (value === null || value <= spec.good) return [];
      const poor = value > spec.poor;
      const severity: Severity = poor ? 'high' : 'medium';
      const rating = poor ? 'poor' : 'needs improvement';
      const format = (n: number) => formatValue(n, spec.unit);
      // Several runs (a project's lighthouse_runs): the value is the kept median run's, and the
      // spread says how far the runs were apart.
      const runs = artifacts.lab && artifacts.lab.runs > 1 ? artifacts.lab : undefined;
      const spread = runs?.spread[spec.labMetric];
      const labRun = runs
        ? `the median run of ${runs.runs} mobile lab runs${artifacts.source === 'pagespeed' ? ' by PageSpeed Insights' : ' of Lighthouse'}`
        : artifacts.source === 'pagespeed'
          ? 'a mobile lab run by PageSpeed Insights'
          : 'a mobile Lighthouse lab run';
      const source = field !== undefined ? `for real Chrome users (CrUX 75th percentile, ${artifacts.field?.scope === 'origin' ? 'whole origin' : 'this page'})` : `in ${labRun}`;
      const range = spread ? `${format(spread.min)}–${format(spread.max)}` : undefined;
      const labNote =
        field === undefined
          ? range
            ? ` The runs ranged ${range}.`
            : ''
          : lab === null
            ? ''
            : runs
              ? ` The lab measured ${format(lab)} in ${labRun}${range ? ` (range ${range})` : ''}.`
              : ` The lab run measured ${format(lab)}.`;
      return [
        {
          detail:
            `${spec.label} is ${format(value)} ${source} on ${artifacts.url}: ${rating} ` +
            `(good ≤ ${format(spec.good)}, poor > ${format(spec.poor)}).` +
            labNote,
          severity,
          evidence: {
            metric: spec.key,
            value,
            unit: spec.unit,
            source: field === undefined ? 'lab' : 'field',
            ...(field === undefined ? {} : { fieldScope: artifacts.field?.scope }),
            lab,
            field: field ?? null,
            rating: poor ? 'poor' : 'needs_improvement',
            thresholds: { good: spec.good, poor: spec.poor },
            ...(runs ? { lab_runs: { runs: runs.runs, kept_run: runs.keptRun, ...(spread ? { spread } : {}) } } : {}),
          },
        },
      ];
    },
  };
}

function formatValue(value: number, unit: MetricSpec['unit']): string {
  if (unit === 'score') return String(Math.round(value * 1000) / 1000);
  return value < 1000 ? `${Math.round(value)} ms` : `${Math.round(value / 100) / 10} s`;
}
