import { lcp } from '../../../../src/checks/performance/lcp.ts';
import { runCheck } from '../../../../src/checks/types.ts';
import { artifacts, describeMetric } from './support.ts';

describeMetric({ check: lcp, key: 'lcp', good: 2500, poor: 4000, step: 1, lab: 'lcpMs', field: 'lcpMs' });

describe('detail', () => {
  test('a lab value in seconds, with its source and the thresholds', () => {
    const [finding] = runCheck(lcp, artifacts({ metrics: { lcpMs: 4321 } }));
    expect(finding?.description).toBe('Largest Contentful Paint (LCP) is 4.3 s in a mobile Lighthouse lab run on https://example.com/: poor (good ≤ 2.5 s, poor > 4 s).');
  });

  test('a field value for the page, with the lab value beside it', () => {
    const [finding] = runCheck(lcp, artifacts({ source: 'pagespeed', metrics: { lcpMs: 900 }, field: { scope: 'page', lcpMs: 3100 } }));
    expect(finding?.description).toBe(
      'Largest Contentful Paint (LCP) is 3.1 s for real Chrome users (CrUX 75th percentile, this page) on https://example.com/: ' +
        'needs improvement (good ≤ 2.5 s, poor > 4 s). The lab run measured 900 ms.',
    );
  });

  test('a PageSpeed Insights lab value says so', () => {
    const [finding] = runCheck(lcp, artifacts({ source: 'pagespeed', metrics: { lcpMs: 3000 } }));
    expect(finding?.description).toContain('in a mobile lab run by PageSpeed Insights');
  });
});
