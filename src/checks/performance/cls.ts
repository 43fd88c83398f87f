import { metricCheck } from './metric.ts';

export const cls = metricCheck({
  id: 'performance.cls',
  key: 'cls',
  labMetric: 'cls',
  effort: 60,
  label: 'Cumulative Layout Shift (CLS)',
  unit: 'score',
  good: 0.1,
  poor: 0.25,
  read: ({ metrics, field }) => ({ lab: metrics.cls, field: field?.cls }),
  title: 'Layout shifts while the page loads',
  description:
    'CLS measures how much visible content moves unexpectedly, making visitors lose their place or click the wrong thing. ' +
    'Google rates it good up to 0.1 and poor above 0.25 (Core Web Vital).',
  fix: {
    summary: 'Reserve space for everything that appears late.',
    steps: [
      'Give images, videos and iframes width and height attributes (or a CSS aspect-ratio).',
      'Reserve space for ads, embeds and banners; never insert content above what is already shown.',
      'Preload web fonts or use font-display: optional to avoid reflow when they arrive.',
    ],
  },
});
