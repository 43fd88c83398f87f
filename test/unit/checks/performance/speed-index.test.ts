import { speedIndex } from '../../../../src/checks/performance/speed-index.ts';
import { describeMetric } from './support.ts';

describeMetric({ check: speedIndex, key: 'speed_index', good: 3400, poor: 5800, step: 1, lab: 'speedIndexMs' });
