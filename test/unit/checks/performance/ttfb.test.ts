import { ttfb } from '../../../../src/checks/performance/ttfb.ts';
import { describeMetric } from './support.ts';

describeMetric({ check: ttfb, key: 'ttfb', good: 800, poor: 1800, step: 1, lab: 'ttfbMs', field: 'ttfbMs' });
