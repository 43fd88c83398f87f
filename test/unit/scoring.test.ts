import { healthScore, scoreFinding, type ScoreInput } from '../../src/domain/scoring.ts';

const finding = (overrides: Partial<ScoreInput>): ScoreInput => ({
  domain: 'security',
  severity: 'high',
  checkId: 'security.csp_missing',
  confidence: 1,
  evidence: {},
  ...overrides,
});

describe('scoreFinding', () => {
  it('ranks findings as a user would', () => {
    const ranked = [
      finding({ checkId: 'security.csp_missing' }),
      finding({ domain: 'security', severity: 'medium', checkId: 'security.content_type_options' }),
      finding({ domain: 'seo', severity: 'high', checkId: 'seo.noindex' }),
      finding({ domain: 'accessibility', severity: 'high', checkId: 'accessibility.axe.image-alt', evidence: { nodeCount: 4 } }),
      finding({ domain: 'performance', severity: 'medium', checkId: 'performance.lcp' }),
      finding({ domain: 'seo', severity: 'low', checkId: 'seo.open_graph_missing' }),
    ].map((f) => ({ checkId: f.checkId, priority: scoreFinding(f).priority }));
    const missingCsp = ranked.find((r) => r.checkId === 'security.csp_missing')!.priority;
    const missingOgImage = ranked.find((r) => r.checkId === 'seo.open_graph_missing')!.priority;
    expect(missingCsp).toBeGreaterThan(missingOgImage);
    expect(Math.max(...ranked.map((r) => r.priority))).toBe(missingCsp);
    expect(Math.min(...ranked.map((r) => r.priority))).toBe(missingOgImage);
  });

  it('keeps every score within 0..100', () => {
    for (const severity of ['critical', 'high', 'medium', 'low'] as const) {
      for (const domain of ['security', 'seo', 'accessibility', 'performance'] as const) {
        const scores = scoreFinding(finding({ domain, severity, evidence: { nodeCount: 10_000 } }));
        for (const value of Object.values(scores)) {
          expect(Number.isInteger(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(100);
        }
      }
    }
  });

  it('weighs many affected items more than one, with diminishing returns', () => {
    const one = scoreFinding(finding({ domain: 'accessibility', checkId: 'accessibility.axe.label', evidence: { nodeCount: 1 } }));
    const ten = scoreFinding(finding({ domain: 'accessibility', checkId: 'accessibility.axe.label', evidence: { nodeCount: 10 } }));
    const thousand = scoreFinding(finding({ domain: 'accessibility', checkId: 'accessibility.axe.label', evidence: { nodeCount: 1000 } }));
    expect(ten.impact).toBeGreaterThan(one.impact);
    expect(thousand.impact - ten.impact).toBeLessThan(ten.impact - one.impact);
  });

  it('lowers risk with confidence and rates higher severity higher', () => {
    expect(scoreFinding(finding({ confidence: 0.5 })).risk).toBeLessThan(scoreFinding(finding({})).risk);
    expect(scoreFinding(finding({ severity: 'critical' })).priority).toBeGreaterThan(scoreFinding(finding({ severity: 'low' })).priority);
  });
});

describe('healthScore', () => {
  it('is 100 for a clean page and falls with each finding by weight', () => {
    expect(healthScore([])).toBe(100);
    expect(healthScore(['high'])).toBe(85);
    expect(healthScore(['high', 'high', 'high', 'high', 'high'])).toBe(45);
    expect(healthScore(['low'])).toBeGreaterThan(healthScore(['medium']));
    expect(healthScore(Array(100).fill('critical'))).toBe(0);
  });
});
