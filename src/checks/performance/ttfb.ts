import { metricCheck } from './metric.ts';

export const ttfb = metricCheck({
  id: 'performance.ttfb',
  key: 'ttfb',
  labMetric: 'ttfbMs',
  effort: 60,
  label: 'Time to First Byte (TTFB)',
  unit: 'ms',
  good: 800,
  poor: 1800,
  read: ({ metrics, field }) => ({ lab: metrics.ttfbMs, field: field?.ttfbMs }),
  title: 'Server responds slowly',
  description:
    'TTFB is how long the browser waits for the first byte of the page: every other metric waits for it. ' +
    'Google rates it good up to 0.8 s and poor above 1.8 s. The lab value is the server response time of the document.',
  fix: {
    summary: 'Answer the page request faster.',
    steps: [
      'Cache rendered pages (CDN or server-side) instead of building each one per request.',
      'Profile slow database queries and backend calls on this route.',
      'Serve from a CDN close to visitors and avoid redirect chains before the page.',
    ],
  },
});
