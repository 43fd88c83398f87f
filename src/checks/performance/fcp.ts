import { metricCheck } from './metric.ts';

export const fcp = metricCheck({
  id: 'performance.fcp',
  key: 'fcp',
  labMetric: 'fcpMs',
  effort: 60,
  label: 'First Contentful Paint (FCP)',
  unit: 'ms',
  good: 1800,
  poor: 3000,
  read: ({ metrics, field }) => ({ lab: metrics.fcpMs, field: field?.fcpMs }),
  title: 'First Contentful Paint is slow',
  description:
    'FCP is when the first text or image appears, the first sign to visitors that the page is loading. ' +
    'Google rates it good up to 1.8 s and poor above 3 s.',
  fix: {
    summary: 'Get the first pixels on screen sooner.',
    steps: [
      'Remove or defer render-blocking stylesheets and scripts; inline the critical CSS.',
      'Reduce the server response time and avoid redirects before the page.',
      'Use font-display: swap so text shows while web fonts load.',
    ],
  },
});
