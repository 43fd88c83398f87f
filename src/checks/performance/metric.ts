import type { PerformanceArtifacts } from '../artifacts.ts';
import type { Check, Severity } from '../types.ts';

export interface MetricSpec {
  id: string;
  /** Verification check key. */
  key: string;
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
      const source =
        field !== undefined
          ? `for real Chrome users (CrUX 75th percentile, ${artifacts.field?.scope === 'origin' ? 'whole origin' : 'this page'})`
          : artifacts.source === 'pagespeed'
            ? 'in a mobile lab run by PageSpeed Insights'
            : 'in a mobile Lighthouse lab run';
      return [
        {
          detail:
            `${spec.label} is ${format(value)} ${source} on ${artifacts.url}: ${rating} ` +
            `(good ≤ ${format(spec.good)}, poor > ${format(spec.poor)}).` +
            (field !== undefined && lab !== null ? ` The lab run measured ${format(lab)}.` : ''),
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
