import { metricCheck } from './metric.ts';

export const lcp = metricCheck({
  id: 'performance.lcp',
  key: 'lcp',
  labMetric: 'lcpMs',
  effort: 60,
  label: 'Largest Contentful Paint (LCP)',
  unit: 'ms',
  good: 2500,
  poor: 4000,
  read: ({ metrics, field }) => ({ lab: metrics.lcpMs, field: field?.lcpMs }),
  title: 'Largest Contentful Paint is slow',
  description:
    'LCP is when the largest image or text block in the viewport appears: when visitors see the main content. ' +
    'Google rates it good up to 2.5 s and poor above 4 s (Core Web Vital, also a search ranking signal).',
  fix: {
    summary: 'Make the main content (the LCP element) arrive and render sooner.',
    steps: [
      'Find the LCP element (Lighthouse names it) and make its resource discoverable in the HTML: no lazy-loading, add fetchpriority="high", preload it if CSS or script inserts it.',
      'Serve that image compressed, in a modern format (AVIF/WebP) and at the size it is displayed.',
      'Cut the server response time and remove render-blocking CSS and scripts in the <head>.',
    ],
  },
});
