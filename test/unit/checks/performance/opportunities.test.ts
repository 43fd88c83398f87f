import type { LighthouseOpportunity } from '../../../../src/checks/artifacts.ts';
import { lighthouseOpportunities } from '../../../../src/checks/performance/opportunities.ts';
import { runCheck } from '../../../../src/checks/types.ts';
import { artifacts } from './support.ts';

const renderBlocking: LighthouseOpportunity = {
  id: 'render-blocking-insight',
  title: 'Render-blocking requests',
  description: "Requests are blocking the page's initial render. [Deferring or inlining](https://developer.chrome.com/docs/performance/insights/render-blocking) can help.",
  displayValue: 'Est savings of 1,390 ms',
  savingsMs: 1400,
  score: 0,
};

const run = (...opportunities: LighthouseOpportunity[]) => runCheck(lighthouseOpportunities, artifacts({ opportunities }));

test('no failing audit: no finding', () => {
  expect(run()).toEqual([]);
});

test('one finding per failing audit, keyed and titled by the audit', () => {
  const findings = run(renderBlocking, { id: 'bootup-time', title: 'Reduce JavaScript execution time', description: 'Parse less.', displayValue: '2.1 s', savingsMs: 550, score: 0.5 });
  expect(findings.map((f) => [f.checkId, f.title, f.verificationKey])).toEqual([
    ['performance.lighthouse.render-blocking-insight', 'Render-blocking requests', 'lighthouse_audits'],
    ['performance.lighthouse.bootup-time', 'Reduce JavaScript execution time', 'lighthouse_audits'],
  ]);
  expect(findings[0]).toMatchObject({
    domain: 'performance',
    description: expect.stringContaining('Lighthouse audit "render-blocking-insight" scored 0 on https://example.com/ (Est savings of 1,390 ms); estimated savings 1400 ms.'),
    evidence: { audit: 'render-blocking-insight', score: 0, displayValue: 'Est savings of 1,390 ms', savingsMs: 1400 },
  });
});

test.each([
  [1000, 'medium'],
  [999, 'low'],
  [0, 'low'],
  [undefined, 'low'],
])('savings of %p ms: %s', (savingsMs, severity) => {
  const { savingsMs: _, ...rest } = renderBlocking;
  const [finding] = run(savingsMs === undefined ? rest : { ...rest, savingsMs });
  expect(finding?.severity).toBe(severity);
  expect(finding?.evidence.savingsMs).toBe(savingsMs ?? null);
});
