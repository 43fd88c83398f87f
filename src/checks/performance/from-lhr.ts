import type { LighthouseOpportunity, PerformanceArtifacts } from '../artifacts.ts';

/** The parts of a Lighthouse result (LH.Result) read here, as the CLI and PageSpeed Insights give it. */
export interface LighthouseResult {
  lighthouseVersion: string;
  requestedUrl?: string;
  finalDisplayedUrl?: string;
  runtimeError?: { code: string; message?: string };
  audits: Record<string, LighthouseAudit | undefined>;
  categories: { performance?: { auditRefs: { id: string; group?: string }[] } };
}

export interface LighthouseAudit {
  id: string;
  title: string;
  description: string;
  score: number | null;
  scoreDisplayMode?: string;
  displayValue?: string;
  numericValue?: number;
  /** Estimated savings per metric (FCP, LCP, TBT, INP in ms; CLS unitless). */
  metricSavings?: Record<string, number | undefined>;
  details?: { overallSavingsMs?: number; overallSavingsBytes?: number };
}

/** PageSpeed Insights' `loadingExperience`: CrUX data for the page, or its origin when the page has too little. */
export interface LoadingExperience {
  origin_fallback?: boolean;
  metrics?: Record<string, { percentile?: number } | undefined>;
}

const TIME_SAVINGS = ['FCP', 'LCP', 'TBT', 'INP'];

export function toPerformanceArtifacts(lhr: LighthouseResult, source: PerformanceArtifacts['source'], loadingExperience?: LoadingExperience): PerformanceArtifacts {
  // PageSpeed Insights' protobuf round trip can spell success as runtimeError NO_ERROR.
  if (lhr.runtimeError && lhr.runtimeError.code !== 'NO_ERROR') {
    throw new Error(`Lighthouse could not measure the page: ${lhr.runtimeError.code} ${lhr.runtimeError.message ?? ''}`.trim());
  }
  const numeric = (id: string): number | null => {
    const value = lhr.audits[id]?.numericValue;
    return typeof value === 'number' && Number.isFinite(value) ? value : null;
  };
  const field = fieldData(loadingExperience);
  return {
    url: lhr.finalDisplayedUrl ?? lhr.requestedUrl ?? '',
    source,
    metrics: {
      lcpMs: numeric('largest-contentful-paint'),
      fcpMs: numeric('first-contentful-paint'),
      cls: numeric('cumulative-layout-shift'),
      tbtMs: numeric('total-blocking-time'),
      speedIndexMs: numeric('speed-index'),
      ttfbMs: numeric('server-response-time'),
    },
    ...(field ? { field } : {}),
    opportunities: opportunities(lhr),
    lighthouseVersion: lhr.lighthouseVersion,
  };
}

/** Scored performance audits below 0.9, leaving out metrics and what Lighthouse's own report hides. */
function opportunities(lhr: LighthouseResult): LighthouseOpportunity[] {
  return (lhr.categories.performance?.auditRefs ?? [])
    .filter((ref) => ref.group !== 'metrics' && ref.group !== 'hidden')
    .flatMap((ref) => {
      const audit = lhr.audits[ref.id];
      if (!audit || typeof audit.score !== 'number' || audit.score >= 0.9 || audit.scoreDisplayMode === 'informative') return [];
      if (estimatesNoSavings(audit)) return [];
      const savingsMs = timeSavings(audit);
      return [
        {
          id: audit.id,
          title: audit.title,
          description: audit.description,
          ...(audit.displayValue ? { displayValue: audit.displayValue } : {}),
          ...(savingsMs === undefined ? {} : { savingsMs }),
          score: audit.score,
        },
      ];
    });
}

/**
 * An audit that estimates its savings and finds none (e.g. "Est savings of 0 KiB" on a tiny
 * page) names nothing worth fixing; diagnostics that estimate nothing are kept.
 */
function estimatesNoSavings(audit: LighthouseAudit): boolean {
  const estimates = [
    ...Object.values(audit.metricSavings ?? {}),
    audit.details?.overallSavingsMs,
    audit.details?.overallSavingsBytes,
  ].filter((n): n is number => typeof n === 'number');
  return estimates.length > 0 && estimates.every((n) => n <= 0);
}

function timeSavings(audit: LighthouseAudit): number | undefined {
  const perMetric = TIME_SAVINGS.map((metric) => audit.metricSavings?.[metric]).filter((ms) => typeof ms === 'number');
  const savings = perMetric.length ? Math.max(...perMetric) : audit.details?.overallSavingsMs;
  return savings === undefined ? undefined : Math.round(savings);
}

const FIELD_METRICS = {
  lcpMs: 'LARGEST_CONTENTFUL_PAINT_MS',
  inpMs: 'INTERACTION_TO_NEXT_PAINT',
  cls: 'CUMULATIVE_LAYOUT_SHIFT_SCORE',
  fcpMs: 'FIRST_CONTENTFUL_PAINT_MS',
  ttfbMs: 'EXPERIMENTAL_TIME_TO_FIRST_BYTE',
} as const;

function fieldData(experience: LoadingExperience | undefined): PerformanceArtifacts['field'] {
  const field: NonNullable<PerformanceArtifacts['field']> = { scope: experience?.origin_fallback ? 'origin' : 'page' };
  for (const [key, name] of Object.entries(FIELD_METRICS) as [keyof typeof FIELD_METRICS, string][]) {
    const percentile = experience?.metrics?.[name]?.percentile;
    // CrUX in PageSpeed Insights gives the CLS percentile multiplied by 100.
    if (typeof percentile === 'number') field[key] = key === 'cls' ? percentile / 100 : percentile;
  }
  return Object.keys(field).length > 1 ? field : undefined; // more than the scope
}
