import { tbt } from '../../../../src/checks/performance/tbt.ts';
import { describeMetric } from './support.ts';

describeMetric({ check: tbt, key: 'tbt', good: 200, poor: 600, step: 1, lab: 'tbtMs' });
