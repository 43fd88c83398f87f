import { metricCheck } from './metric.ts';

export const tbt = metricCheck({
  id: 'performance.tbt',
  key: 'tbt',
  labMetric: 'tbtMs',
  effort: 60,
  label: 'Total Blocking Time (TBT)',
  unit: 'ms',
  good: 200,
  poor: 600,
  read: ({ metrics }) => ({ lab: metrics.tbtMs }),
  title: 'Main thread blocked while the page loads',
  description:
    'TBT adds up how long long tasks (over 50 ms) block the main thread between first paint and interactivity, ' +
    'when the page ignores taps and keys. It is the lab stand-in for Interaction to Next Paint; good up to 200 ms, poor above 600 ms.',
  fix: {
    summary: 'Run less JavaScript during load, in smaller pieces.',
    steps: [
      'Remove unused JavaScript and third-party scripts; load the rest with defer or on demand.',
      'Split long tasks (yield to the main thread) and move heavy work to a web worker.',
    ],
  },
});
