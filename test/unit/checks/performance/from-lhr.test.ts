import { LHR_BOUNDS, MalformedLighthouseResult, toPerformanceArtifacts as convert, type LighthouseResult } from '../../../../src/checks/performance/from-lhr.ts';
import { lighthousePerformanceAudits } from '../../../../src/gather/lighthouse-audits.ts';
import recorded from '../../../fixtures/pagespeed/lhr-mobile.json';

let known: ReadonlySet<string>;
beforeAll(async () => {
  known = await lighthousePerformanceAudits();
});
const toPerformanceArtifacts = (lhr: unknown, source: 'lighthouse' | 'pagespeed', loadingExperience?: unknown) => convert(lhr, source, known, loadingExperience);

// Recorded with Lighthouse 13.5 (mobile, simulated throttling) on test/fixtures/pagespeed/slow.html,
// trimmed to the category and the audit fields toPerformanceArtifacts reads.
const lhr = recorded as LighthouseResult;

test('reads the lab metrics of a recorded run', () => {
  const artifacts = toPerformanceArtifacts(lhr, 'lighthouse');
  expect(artifacts).toMatchObject({ url: 'http://127.0.0.1:8080/', source: 'lighthouse', lighthouseVersion: '13.5.0' });
  expect(artifacts.metrics).toEqual({
    lcpMs: expect.closeTo(2302.42, 2),
    fcpMs: expect.closeTo(2152.42, 2),
    cls: expect.closeTo(0.1044, 4),
    tbtMs: expect.closeTo(544.29, 2),
    speedIndexMs: expect.closeTo(4047.01, 2),
    ttfbMs: 4,
    ttiMs: expect.closeTo(2776.46, 2),
  });
  expect(artifacts).not.toHaveProperty('field');
});

test('opportunities: failing scored audits, not metrics, not hidden, not informative', () => {
  const { opportunities } = toPerformanceArtifacts(lhr, 'lighthouse');
  expect(opportunities.map((o) => [o.id, o.savingsMs])).toEqual([
    ['cache-insight', 1200],
    ['render-blocking-insight', 1400],
    ['unused-javascript', 1200],
    ['bootup-time', 550],
    ['mainthread-work-breakdown', 550],
  ]);
  expect(opportunities.find((o) => o.id === 'render-blocking-insight')).toEqual({
    id: 'render-blocking-insight',
    title: 'Render-blocking requests',
    description: expect.stringContaining('[Deferring or inlining]'),
    displayValue: 'Est savings of 1,390\u00a0ms', // Lighthouse puts a no-break space before units
    savingsMs: 1400,
    score: 0,
  });
  // In the recording but left out: max-potential-fid and layout-shifts (hidden), FCP/TBT/CLS/SI (metrics).
  expect((lhr.audits['max-potential-fid'] as { score: number }).score).toBe(0);
});

test('savings fall back to details.overallSavingsMs when an audit has no time metricSavings', () => {
  const audit = { id: 'unused-javascript', title: 'Legacy opportunity', description: 'Old style.', score: 0.3, scoreDisplayMode: 'numeric', details: { overallSavingsMs: 812.6 } };
  const { opportunities } = toPerformanceArtifacts(
    { lighthouseVersion: '12.0.0', audits: { 'unused-javascript': audit }, categories: { performance: { auditRefs: [{ id: 'unused-javascript', group: 'diagnostics' }] } } },
    'pagespeed',
  );
  expect(opportunities).toEqual([{ id: 'unused-javascript', title: 'Legacy opportunity', description: 'Old style.', savingsMs: 813, score: 0.3 }]);
});

test('a metric Lighthouse could not measure is null', () => {
  const { 'largest-contentful-paint': _, ...audits } = lhr.audits;
  const artifacts = toPerformanceArtifacts({ ...lhr, audits: { ...audits, 'speed-index': { ...audits['speed-index']!, numericValue: undefined } } }, 'lighthouse');
  expect(artifacts.metrics.lcpMs).toBeNull();
  expect(artifacts.metrics.speedIndexMs).toBeNull();
});

describe('field data (PageSpeed Insights loadingExperience)', () => {
  const loadingExperience = {
    id: 'https://example.com/',
    metrics: {
      LARGEST_CONTENTFUL_PAINT_MS: { percentile: 2900, distributions: [], category: 'AVERAGE' },
      INTERACTION_TO_NEXT_PAINT: { percentile: 180, distributions: [], category: 'FAST' },
      CUMULATIVE_LAYOUT_SHIFT_SCORE: { percentile: 12, distributions: [], category: 'AVERAGE' },
      FIRST_CONTENTFUL_PAINT_MS: { percentile: 1700, distributions: [], category: 'FAST' },
      EXPERIMENTAL_TIME_TO_FIRST_BYTE: { percentile: 950, distributions: [], category: 'AVERAGE' },
    },
    overall_category: 'AVERAGE',
    initial_url: 'https://example.com/',
  };

  test('75th percentiles, CLS scaled back from hundredths', () => {
    expect(toPerformanceArtifacts(lhr, 'pagespeed', loadingExperience).field).toEqual({ scope: 'page', lcpMs: 2900, inpMs: 180, cls: 0.12, fcpMs: 1700, ttfbMs: 950 });
  });

  test('origin fallback and missing metrics', () => {
    const origin = { origin_fallback: true, metrics: { LARGEST_CONTENTFUL_PAINT_MS: { percentile: 4100 } } };
    expect(toPerformanceArtifacts(lhr, 'pagespeed', origin).field).toEqual({ scope: 'origin', lcpMs: 4100 });
  });

  test('no CrUX data: no field', () => {
    expect(toPerformanceArtifacts(lhr, 'pagespeed', { metrics: {} })).not.toHaveProperty('field');
    expect(toPerformanceArtifacts(lhr, 'pagespeed', {})).not.toHaveProperty('field');
  });
});

test('a runtime error is an error, NO_ERROR is success', () => {
  expect(() => toPerformanceArtifacts({ ...lhr, runtimeError: { code: 'NO_FCP', message: 'The page did not paint any content.' } }, 'lighthouse')).toThrow(
    'Lighthouse could not measure the page: NO_FCP The page did not paint any content.',
  );
  expect(toPerformanceArtifacts({ ...lhr, runtimeError: { code: 'NO_ERROR', message: '' } }, 'pagespeed').metrics.ttfbMs).toBe(4);
});

describe('opportunities without savings', () => {
  const lhrWith = (audit: Record<string, unknown>) => ({
    ...lhr,
    audits: { ...lhr.audits, [audit.id as string]: { title: 't', description: 'd', ...audit } },
    categories: { performance: { ...lhr.categories.performance, auditRefs: [{ id: audit.id, weight: 0 }] } },
  });

  it('drops an audit that estimates savings and finds none, keeps one with savings or no estimate', () => {
    const ids = (audit: Record<string, unknown>) => toPerformanceArtifacts(lhrWith(audit) as never, 'lighthouse').opportunities.map((o) => o.id);
    expect(ids({ id: 'cache-insight', score: 0.5, metricSavings: { FCP: 0, LCP: 0 }, details: { overallSavingsBytes: 0 } })).toEqual([]);
    expect(ids({ id: 'cache-insight', score: 0.5, metricSavings: { FCP: 0, LCP: 0 }, details: { overallSavingsBytes: 2048 } })).toEqual(['cache-insight']);
    expect(ids({ id: 'render-blocking-insight', score: 0, metricSavings: { FCP: 1400 } })).toEqual(['render-blocking-insight']);
    expect(ids({ id: 'max-potential-fid', score: 0 })).toEqual(['max-potential-fid']);
  });
});

describe('a hostile or malformed result', () => {
  const failing = (id: string, extra: Record<string, unknown> = {}) => ({ id, title: 'Invented', description: 'd', score: 0, ...extra });

  test("known to Lighthouse: the list is the installed Lighthouse's performance category", () => {
    expect(known.has('render-blocking-insight')).toBe(true);
    expect(known.has('largest-contentful-paint')).toBe(true);
    expect(known.has('invented-audit')).toBe(false);
  });

  test('audit ids Lighthouse does not list are ignored, however many; each known one counts once', () => {
    const invented = Array.from({ length: 200 }, (_, i) => `invented-${i}`);
    const audits = Object.fromEntries([...invented, 'x.'.repeat(40)].map((id) => [id, failing(id)]));
    const result = {
      ...lhr,
      audits: { ...lhr.audits, ...audits, 'unused-css-rules': failing('unused-css-rules'), 'dom-size-insight': failing('not-its-id') },
      categories: { performance: { auditRefs: [...invented, 'x.'.repeat(40), 'unused-css-rules', 'unused-css-rules', 'dom-size-insight', '__proto__', 'constructor'].map((id) => ({ id })) } },
    };
    expect(toPerformanceArtifacts(result, 'pagespeed').opportunities.map((o) => o.id)).toEqual(['unused-css-rules']);
  });

  test('strings are cut to their bounds, the URL must be http(s)', () => {
    const big = 'x'.repeat(1_000_000);
    const result = {
      ...lhr,
      finalDisplayedUrl: 'javascript:alert(1)',
      audits: { ...lhr.audits, 'unused-css-rules': failing('unused-css-rules', { title: big, description: big, displayValue: big, metricSavings: { FCP: 1e300 } }) },
      categories: { performance: { auditRefs: [{ id: 'unused-css-rules' }] } },
    };
    const artifacts = toPerformanceArtifacts(result, 'pagespeed');
    expect(artifacts.url).toBe('');
    const [opportunity] = artifacts.opportunities;
    expect(opportunity?.title.length).toBeLessThanOrEqual(LHR_BOUNDS.titleChars);
    expect(opportunity?.description.length).toBeLessThanOrEqual(LHR_BOUNDS.descriptionChars);
    expect(opportunity?.displayValue?.length).toBeLessThanOrEqual(LHR_BOUNDS.displayValueChars);
    expect(toPerformanceArtifacts({ ...lhr, finalDisplayedUrl: `https://example.com/${big}` }, 'pagespeed').url).toBe('');
  });

  test('a metric that is not a finite number is null; an audit of the wrong shape is no opportunity', () => {
    const result = {
      ...lhr,
      audits: {
        ...lhr.audits,
        'largest-contentful-paint': { ...(lhr.audits['largest-contentful-paint'] as object), numericValue: '2500' },
        'unused-css-rules': failing('unused-css-rules', { score: 7 }),
      },
      categories: { performance: { auditRefs: [{ id: 'unused-css-rules' }] } },
    };
    const artifacts = toPerformanceArtifacts(result, 'pagespeed');
    expect(artifacts.metrics.lcpMs).toBeNull();
    expect(artifacts.opportunities).toEqual([]);
  });

  test.each([null, 'lhr', [], { ...lhr, lighthouseVersion: 'v'.repeat(100) }, { ...lhr, audits: [] }, { ...lhr, categories: { performance: { auditRefs: Array.from({ length: LHR_BOUNDS.auditRefs + 1 }, () => ({ id: 'x' })) } } }])(
    'a wrong shape is refused whole (%#)',
    (result) => {
      expect(() => toPerformanceArtifacts(result, 'lighthouse')).toThrow(MalformedLighthouseResult);
    },
  );

  test('CrUX data of the wrong shape is ignored', () => {
    expect(toPerformanceArtifacts(lhr, 'pagespeed', { metrics: { LARGEST_CONTENTFUL_PAINT_MS: { percentile: 'slow' } } })).not.toHaveProperty('field');
    expect(toPerformanceArtifacts(lhr, 'pagespeed', 'nonsense')).not.toHaveProperty('field');
  });
});
