import { fcp } from '../../../../src/checks/performance/fcp.ts';
import { describeMetric } from './support.ts';

describeMetric({ check: fcp, key: 'fcp', good: 1800, poor: 3000, step: 1, lab: 'fcpMs', field: 'fcpMs' });
