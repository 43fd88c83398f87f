import { metricCheck } from './metric.ts';

export const speedIndex = metricCheck({
  id: 'performance.speed_index',
  key: 'speed_index',
  labMetric: 'speedIndexMs',
  effort: 60,
  label: 'Speed Index',
  unit: 'ms',
  good: 3400,
  poor: 5800,
  read: ({ metrics }) => ({ lab: metrics.speedIndexMs }),
  title: 'Page content appears slowly',
  description:
    'Speed Index measures how quickly the visible part of the page fills in during load. ' +
    "Lighthouse's mobile thresholds: good up to 3.4 s, poor above 5.8 s.",
  fix: {
    summary: 'Render above-the-fold content early and progressively.',
    steps: [
      'Remove render-blocking resources and inline critical CSS.',
      'Load below-the-fold images and widgets lazily, and keep the main thread free during load.',
    ],
  },
});
