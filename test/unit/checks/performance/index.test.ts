import { performanceChecks } from '../../../../src/checks/performance/index.ts';
import { toPerformanceArtifacts } from '../../../../src/checks/performance/from-lhr.ts';
import { lighthousePerformanceAudits } from '../../../../src/gather/lighthouse-audits.ts';
import { runChecks } from '../../../../src/checks/types.ts';
import recorded from '../../../fixtures/pagespeed/lhr-mobile.json';
import { artifacts } from './support.ts';

test('ids and verification keys', () => {
  expect(performanceChecks.map((c) => [c.id, c.verificationKey])).toEqual([
    ['performance.lcp', 'lcp'],
    ['performance.cls', 'cls'],
    ['performance.fcp', 'fcp'],
    ['performance.ttfb', 'ttfb'],
    ['performance.tbt', 'tbt'],
    ['performance.speed_index', 'speed_index'],
    ['performance.lighthouse', 'lighthouse_audits'],
  ]);
});

test('a fast page: no findings', () => {
  expect(runChecks(performanceChecks, artifacts())).toEqual([]);
});

test('the recorded slow page', async () => {
  const findings = runChecks(performanceChecks, toPerformanceArtifacts(recorded, 'lighthouse', await lighthousePerformanceAudits()));
  expect(findings.map((f) => [f.checkId, f.severity])).toEqual([
    ['performance.cls', 'medium'],
    ['performance.fcp', 'medium'],
    ['performance.tbt', 'medium'],
    ['performance.speed_index', 'medium'],
    ['performance.lighthouse.cache-insight', 'medium'],
    ['performance.lighthouse.render-blocking-insight', 'medium'],
    ['performance.lighthouse.unused-javascript', 'medium'],
    ['performance.lighthouse.bootup-time', 'low'],
    ['performance.lighthouse.mainthread-work-breakdown', 'low'],
  ]);
});
