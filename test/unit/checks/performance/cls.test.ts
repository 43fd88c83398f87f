import { cls } from '../../../../src/checks/performance/cls.ts';
import { runCheck } from '../../../../src/checks/types.ts';
import { artifacts, describeMetric } from './support.ts';

describeMetric({ check: cls, key: 'cls', good: 0.1, poor: 0.25, step: 0.001, lab: 'cls', field: 'cls' });

test('a score has no unit and three decimals at most', () => {
  const [finding] = runCheck(cls, artifacts({ metrics: { cls: 0.1044422246394522 } }));
  expect(finding?.description).toBe('Cumulative Layout Shift (CLS) is 0.104 in a mobile Lighthouse lab run on https://example.com/: needs improvement (good ≤ 0.1, poor > 0.25).');
});
