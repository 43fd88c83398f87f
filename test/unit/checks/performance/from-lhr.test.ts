import { toPerformanceArtifacts, type LighthouseResult } from '../../../../src/checks/performance/from-lhr.ts';
import recorded from '../../../fixtures/pagespeed/lhr-mobile.json';

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
  expect(lhr.audits['max-potential-fid']?.score).toBe(0);
});

test('savings fall back to details.overallSavingsMs when an audit has no time metricSavings', () => {
  const audit = { id: 'legacy', title: 'Legacy opportunity', description: 'Old style.', score: 0.3, scoreDisplayMode: 'numeric', details: { overallSavingsMs: 812.6 } };
  const { opportunities } = toPerformanceArtifacts(
    { lighthouseVersion: '12.0.0', audits: { legacy: audit }, categories: { performance: { auditRefs: [{ id: 'legacy', group: 'diagnostics' }] } } },
    'pagespeed',
  );
  expect(opportunities).toEqual([{ id: 'legacy', title: 'Legacy opportunity', description: 'Old style.', savingsMs: 813, score: 0.3 }]);
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
