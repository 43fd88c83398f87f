import { z } from 'zod';
import type { LighthouseOpportunity, PerformanceArtifacts } from '../artifacts.ts';
import { clip } from '../bounds.ts';

/**
 * Bounds of what is read from a Lighthouse result. The result describes a page anyone writes
 * (titles and display values quote it), and PageSpeed Insights' answer comes from a third party:
 * every string is cut, every list bounded, every number finite.
 */
export const LHR_BOUNDS = {
  auditRefs: 300,
  audits: 1_000,
  titleChars: 300,
  descriptionChars: 2_000,
  displayValueChars: 200,
  urlChars: 2_048,
} as const;

const text = (max: number) => z.string().transform((s) => clip(s, max));
const finite = z.number().refine(Number.isFinite, 'must be finite');
/** An optional field that is dropped, not refused, when it has another type. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);

const auditSchema = z.object({
  id: z.string().max(100),
  title: text(LHR_BOUNDS.titleChars),
  description: text(LHR_BOUNDS.descriptionChars),
  score: finite.min(0).max(1).nullable(),
  scoreDisplayMode: lenient(z.string().max(50)),
  displayValue: lenient(text(LHR_BOUNDS.displayValueChars)),
  numericValue: lenient(finite),
  metricSavings: lenient(z.record(z.string().max(20), finite.optional())),
  details: lenient(z.object({ overallSavingsMs: lenient(finite), overallSavingsBytes: lenient(finite) })),
});

/** The parts of a Lighthouse result (LH.Result) read here, as the CLI and PageSpeed Insights give it. */
const lighthouseResultSchema = z.object({
  lighthouseVersion: z.string().max(30),
  requestedUrl: lenient(z.string()),
  finalDisplayedUrl: lenient(z.string()),
  runtimeError: lenient(z.object({ code: text(100), message: lenient(text(300)) })),
  audits: z
    .record(z.string(), z.unknown())
    .refine((audits) => Object.keys(audits).length <= LHR_BOUNDS.audits, `must have at most ${LHR_BOUNDS.audits} audits`),
  categories: z.object({
    performance: z.object({ auditRefs: z.array(z.object({ id: z.string().max(100), group: lenient(z.string().max(50)) })).max(LHR_BOUNDS.auditRefs) }).optional(),
  }),
});

export type LighthouseResult = z.input<typeof lighthouseResultSchema>;
export type LighthouseAudit = z.output<typeof auditSchema>;
type ParsedResult = z.output<typeof lighthouseResultSchema>;

/** PageSpeed Insights' `loadingExperience`: CrUX data for the page, or its origin when the page has too little. */
const loadingExperienceSchema = z.object({
  origin_fallback: lenient(z.boolean()),
  metrics: lenient(z.record(z.string().max(100), lenient(z.object({ percentile: lenient(finite) })))),
});
export type LoadingExperience = z.input<typeof loadingExperienceSchema>;

export class MalformedLighthouseResult extends Error {
  override name = 'MalformedLighthouseResult';
}

const TIME_SAVINGS = ['FCP', 'LCP', 'TBT', 'INP'];

/**
 * The artifacts of one Lighthouse run. `knownAudits` is Lighthouse's own list of performance
 * audit ids (lighthousePerformanceAudits, read from the installed package): an audit the result
 * names outside it is ignored, so a result cannot make check ids up. A result of the wrong shape
 * is refused whole.
 */
export function toPerformanceArtifacts(
  raw: unknown,
  source: PerformanceArtifacts['source'],
  knownAudits: ReadonlySet<string>,
  rawLoadingExperience?: unknown,
): PerformanceArtifacts {
  const parsed = lighthouseResultSchema.safeParse(raw);
  if (!parsed.success) throw new MalformedLighthouseResult(`Lighthouse returned a malformed result: ${clip(parsed.error.issues[0]?.message ?? 'invalid', 200)}`);
  const lhr = parsed.data;
  // PageSpeed Insights' protobuf round trip can spell success as runtimeError NO_ERROR.
  if (lhr.runtimeError && lhr.runtimeError.code !== 'NO_ERROR') {
    throw new Error(`Lighthouse could not measure the page: ${lhr.runtimeError.code} ${lhr.runtimeError.message ?? ''}`.trim());
  }
  const audit = auditReader(lhr, knownAudits);
  const numeric = (id: string): number | null => audit(id)?.numericValue ?? null;
  const loadingExperience = loadingExperienceSchema.safeParse(rawLoadingExperience ?? {});
  const field = fieldData(loadingExperience.success ? loadingExperience.data : undefined);
  return {
    url: pageUrl(lhr.finalDisplayedUrl ?? lhr.requestedUrl ?? ''),
    source,
    metrics: {
      lcpMs: numeric('largest-contentful-paint'),
      fcpMs: numeric('first-contentful-paint'),
      cls: numeric('cumulative-layout-shift'),
      tbtMs: numeric('total-blocking-time'),
      speedIndexMs: numeric('speed-index'),
      ttfbMs: numeric('server-response-time'),
      ttiMs: numeric('interactive'),
    },
    ...(field ? { field } : {}),
    opportunities: opportunities(lhr, audit),
    lighthouseVersion: lhr.lighthouseVersion,
  };
}

/** An http(s) URL within bounds, else '' (reported as no URL). */
function pageUrl(url: string): string {
  return url.length <= LHR_BOUNDS.urlChars && /^https?:\/\//i.test(url) ? url : '';
}

/**
 * The audit of a known id, parsed (and cached) on first use; undefined when the id is unknown,
 * the audit absent, or of the wrong shape (an audit Lighthouse could not run has an error
 * shape of its own, and is no opportunity).
 */
function auditReader(lhr: ParsedResult, knownAudits: ReadonlySet<string>): (id: string) => LighthouseAudit | undefined {
  const cache = new Map<string, LighthouseAudit | undefined>();
  return (id) => {
    if (!knownAudits.has(id) || !Object.hasOwn(lhr.audits, id)) return undefined;
    if (!cache.has(id)) {
      const audit = auditSchema.safeParse(lhr.audits[id]);
      cache.set(id, audit.success && audit.data.id === id ? audit.data : undefined);
    }
    return cache.get(id);
  };
}

/** Scored performance audits below 0.9, leaving out metrics and what Lighthouse's own report hides. */
function opportunities(lhr: ParsedResult, audit: (id: string) => LighthouseAudit | undefined): LighthouseOpportunity[] {
  const seen = new Set<string>();
  return (lhr.categories.performance?.auditRefs ?? [])
    .filter((ref) => ref.group !== 'metrics' && ref.group !== 'hidden')
    .flatMap((ref) => {
      const found = audit(ref.id);
      if (!found || seen.has(found.id)) return [];
      seen.add(found.id);
      if (typeof found.score !== 'number' || found.score >= 0.9 || found.scoreDisplayMode === 'informative') return [];
      if (estimatesNoSavings(found)) return [];
      const savingsMs = timeSavings(found);
      return [
        {
          id: found.id,
          title: found.title,
          description: found.description,
          ...(found.displayValue ? { displayValue: found.displayValue } : {}),
          ...(savingsMs === undefined ? {} : { savingsMs }),
          score: found.score,
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

function fieldData(experience: z.output<typeof loadingExperienceSchema> | undefined): PerformanceArtifacts['field'] {
  const field: NonNullable<PerformanceArtifacts['field']> = { scope: experience?.origin_fallback ? 'origin' : 'page' };
  for (const [key, name] of Object.entries(FIELD_METRICS) as [keyof typeof FIELD_METRICS, string][]) {
    const percentile = experience?.metrics && Object.hasOwn(experience.metrics, name) ? experience.metrics[name]?.percentile : undefined;
    // CrUX in PageSpeed Insights gives the CLS percentile multiplied by 100.
    if (typeof percentile === 'number') field[key] = key === 'cls' ? percentile / 100 : percentile;
  }
  return Object.keys(field).length > 1 ? field : undefined; // more than the scope
}
