import {
  DEFAULT_POLICY_CONFIG,
  DEFAULT_POLICY_NAME,
  severityFor,
  severityRulesOf,
  simulatePolicy,
  slaHoursFor,
  withCheckSeverity,
  MAX_RULE_KEY_CHARS,
  MAX_SEVERITY_RULES,
  type RatedFinding,
  type SimulatedFinding,
} from '../../src/domain/policy.ts';

const csp: RatedFinding = { domain: 'security', check_id: 'security.csp_missing', severity: 'high', severity_source: 'check' };
const label: RatedFinding = { domain: 'accessibility', check_id: 'accessibility.axe.label', severity: 'high', severity_source: 'check' };

describe('the default policy', () => {
  it("is Krafter's, to the byte", () => {
    expect(DEFAULT_POLICY_NAME).toBe('Default Audit Policy');
    expect(JSON.stringify(DEFAULT_POLICY_CONFIG)).toBe(
      '{"severity_rules":{"security":"critical","performance":"high","accessibility":"medium","seo":"low"},' +
        '"sla_hours":{"critical":24,"high":72,"medium":168,"low":336},' +
        '"alert_routing":{"critical":["slack","email"],"high":["slack"]}}',
    );
  });

  it('rates each domain as Krafter says', () => {
    expect(severityFor(csp, DEFAULT_POLICY_CONFIG)).toEqual({ severity: 'critical', source: 'policy', rule: 'severity_rules.security' });
    expect(severityFor(label, DEFAULT_POLICY_CONFIG)).toEqual({ severity: 'medium', source: 'policy', rule: 'severity_rules.accessibility' });
  });
});

describe('severityRulesOf reads a free-form config leniently', () => {
  it('keeps domain and check-id keys that map to a severity, ignores the rest', () => {
    const rules = severityRulesOf({
      severity_rules: {
        security: 'low',
        'seo.title_missing': 'critical',
        'accessibility.axe': 'high',
        ux: 'high', // not a domain
        'ux.something': 'high', // not a domain's check
        'security.': 'high', // no check after the dot
        performance: 'urgent', // not a severity
        seo: 'High', // severities are lower case
        'security.hsts_missing': 3,
        accessibility: null,
      },
      sla_hours: 'whatever',
    });
    expect([...rules]).toEqual([
      ['security', 'low'],
      ['seo.title_missing', 'critical'],
      ['accessibility.axe', 'high'],
    ]);
  });

  it.each([null, undefined, 42, 'rules', [], { severity_rules: null }, { severity_rules: ['security', 'critical'] }, { severity_rules: 'critical' }, {}])(
    'finds no rules in %p',
    (config) => {
      expect(severityRulesOf(config).size).toBe(0);
      expect(severityFor(csp, config)).toEqual({ severity: 'high', source: 'check' });
    },
  );
});

describe('severityFor', () => {
  it('a check-id key wins over the domain key, whatever their order', () => {
    for (const severity_rules of [
      { security: 'low', 'security.csp_missing': 'critical' },
      { 'security.csp_missing': 'critical', security: 'low' },
    ]) {
      expect(severityFor(csp, { severity_rules })).toEqual({ severity: 'critical', source: 'policy', rule: 'severity_rules.security.csp_missing' });
      expect(severityFor({ ...csp, check_id: 'security.hsts_missing' }, { severity_rules })).toEqual({
        severity: 'low',
        source: 'policy',
        rule: 'severity_rules.security',
      });
    }
  });

  it("a check module's id covers the rules it reports; the rule's own id is more specific still", () => {
    const config = { severity_rules: { accessibility: 'low', 'accessibility.axe': 'medium', 'accessibility.axe.label': 'critical' } };
    expect(severityFor(label, config)).toMatchObject({ severity: 'critical', rule: 'severity_rules.accessibility.axe.label' });
    expect(severityFor({ ...label, check_id: 'accessibility.axe.image-alt' }, config)).toMatchObject({ severity: 'medium', rule: 'severity_rules.accessibility.axe' });
    // A prefix that is not a whole segment does not match.
    expect(severityFor({ ...label, check_id: 'accessibility.axe-core.x' }, config)).toMatchObject({ severity: 'low', rule: 'severity_rules.accessibility' });
  });

  it('a rule of another domain does not apply', () => {
    expect(severityFor(csp, { severity_rules: { seo: 'critical', 'seo.csp_missing': 'critical' } })).toEqual({ severity: 'high', source: 'check' });
  });

  it("a person's severity wins over every rule", () => {
    const manual: RatedFinding = { ...csp, severity: 'low', severity_source: 'manual' };
    expect(severityFor(manual, { severity_rules: { 'security.csp_missing': 'critical', security: 'critical' } })).toEqual({ severity: 'low', source: 'manual' });
  });

  it('a rule that agrees with the check still is the policy deciding', () => {
    expect(severityFor(csp, { severity_rules: { security: 'high' } })).toEqual({ severity: 'high', source: 'policy', rule: 'severity_rules.security' });
  });
});

describe('slaHoursFor', () => {
  it("reads the severity's hours", () => {
    expect(slaHoursFor('critical', DEFAULT_POLICY_CONFIG)).toBe(24);
    expect(slaHoursFor('low', DEFAULT_POLICY_CONFIG)).toBe(336);
    expect(slaHoursFor('high', { sla_hours: { high: 1.5 } })).toBe(1.5);
  });

  it.each([{}, { sla_hours: { critical: 0 } }, { sla_hours: { critical: -4 } }, { sla_hours: { critical: '24' } }, { sla_hours: [24] }, null, 'x'])(
    'has none in %p',
    (config) => expect(slaHoursFor('critical', config)).toBeUndefined(),
  );
});

describe('simulatePolicy', () => {
  const stored = (id: string, overrides: Partial<SimulatedFinding>): SimulatedFinding => ({
    id,
    title: `finding ${id}`,
    domain: 'security',
    check_id: 'security.csp_missing',
    severity: 'high',
    severity_source: 'check',
    check_severity: 'high',
    ...overrides,
  });

  const findings = [
    stored('csp', {}),
    stored('hsts', { check_id: 'security.hsts_missing', severity: 'medium', check_severity: 'medium' }),
    stored('pinned', { check_id: 'security.clickjacking', severity: 'low', severity_source: 'manual', check_severity: 'medium' }),
    stored('title', { domain: 'seo', check_id: 'seo.title_missing', severity: 'critical', severity_source: 'policy', check_severity: 'medium' }),
    stored('og', { domain: 'seo', check_id: 'seo.open_graph_missing', severity: 'low', check_severity: 'low' }),
    stored('already', { check_id: 'security.cors_wildcard_credentials', severity: 'critical', severity_source: 'check', check_severity: 'critical' }),
  ];
  const config = { severity_rules: { security: 'critical', 'security.hsts_missing': 'low', performance: 'high' } };

  it('answers what a scan would assign, with a trace of each change and the rule behind it', () => {
    const result = simulatePolicy(findings, config);
    expect(result).toEqual({
      simulated_findings: 6,
      escalated_to_critical: 1,
      config_preview: config,
      counts_before: { critical: 2, high: 1, medium: 1, low: 2 },
      severities: { critical: 2, high: 0, medium: 1, low: 3 },
      trace: [
        { finding_id: 'csp', title: 'finding csp', domain: 'security', check_id: 'security.csp_missing', from: 'high', to: 'critical', rule: 'severity_rules.security' },
        { finding_id: 'hsts', title: 'finding hsts', domain: 'security', check_id: 'security.hsts_missing', from: 'medium', to: 'low', rule: 'severity_rules.security.hsts_missing' },
        // An earlier policy made it critical; no rule covers it now, so it goes back to its check's severity.
        { finding_id: 'title', title: 'finding title', domain: 'seo', check_id: 'seo.title_missing', from: 'critical', to: 'medium', rule: null },
      ],
    });
    expect(result.config_preview).toBe(config);
  });

  it('leaves manual severities alone and counts only escalations to critical', () => {
    const result = simulatePolicy(findings, { severity_rules: { security: 'critical', seo: 'critical' } });
    expect(result.trace.map((t) => t.finding_id)).toEqual(['csp', 'hsts', 'og']);
    expect(result.escalated_to_critical).toBe(3);
    expect(result.severities).toEqual({ critical: 5, high: 0, medium: 0, low: 1 });
  });

  it('without a recorded check severity, takes the stored one', () => {
    const legacy = stored('legacy', { severity: 'critical', severity_source: 'policy', check_severity: undefined });
    expect(simulatePolicy([legacy], {}).trace).toEqual([]);
    expect(simulatePolicy([{ ...legacy, check_severity: 'bogus' }], {}).trace).toEqual([]);
  });

  it('an empty project', () => {
    expect(simulatePolicy([], DEFAULT_POLICY_CONFIG)).toEqual({
      simulated_findings: 0,
      escalated_to_critical: 0,
      config_preview: DEFAULT_POLICY_CONFIG,
      severities: { critical: 0, high: 0, medium: 0, low: 0 },
      counts_before: { critical: 0, high: 0, medium: 0, low: 0 },
      trace: [],
    });
  });
});

test('withCheckSeverity adds the check severity to the evidence without touching the rest', () => {
  const evidence = { header: 'missing', count: 2 };
  expect(withCheckSeverity(evidence, 'high')).toEqual({ header: 'missing', count: 2, check_severity: 'high' });
  expect(evidence).toEqual({ header: 'missing', count: 2 });
});

describe('hostile check ids and configs', () => {
  const rules = { accessibility: 'low', 'accessibility.axe': 'medium' };

  it('an 80 KB check id of dots falls back to its module and domain rules, and keys past the bound are never built', () => {
    const dots = `accessibility.axe.${'.'.repeat(80_000)}`;
    expect(severityFor({ ...label, check_id: dots }, { severity_rules: rules })).toEqual({ severity: 'medium', source: 'policy', rule: 'severity_rules.accessibility.axe' });
    const words = `accessibility.${'a.'.repeat(40_000)}x`;
    expect(severityFor({ ...label, check_id: words }, { severity_rules: rules })).toEqual({ severity: 'low', source: 'policy', rule: 'severity_rules.accessibility' });
  });

  it('a prefix up to MAX_RULE_KEY_CHARS still matches; a key beyond it is ignored', () => {
    const long = `accessibility.${'x'.repeat(MAX_RULE_KEY_CHARS - 'accessibility.'.length)}`;
    expect(long).toHaveLength(MAX_RULE_KEY_CHARS);
    const config = { severity_rules: { ...rules, [long]: 'critical', [`${long}y`]: 'critical' } };
    expect(severityRulesOf(config).has(`${long}y`)).toBe(false);
    expect(severityFor({ ...label, check_id: `${long}.rule` }, config)).toMatchObject({ severity: 'critical', rule: `severity_rules.${long}` });
    expect(severityFor({ ...label, check_id: long }, config)).toMatchObject({ severity: 'critical' });
    expect(severityFor({ ...label, check_id: `${long}y` }, config)).toMatchObject({ severity: 'low', rule: 'severity_rules.accessibility' });
  });

  it('reads at most MAX_SEVERITY_RULES entries', () => {
    const many = Object.fromEntries(Array.from({ length: MAX_SEVERITY_RULES + 50 }, (_, i) => [`seo.rule_${i}`, 'high']));
    expect(severityRulesOf({ severity_rules: many }).size).toBe(MAX_SEVERITY_RULES);
  });

  it('ids with empty segments keep their meaning', () => {
    expect(severityFor({ ...label, check_id: 'accessibility..x' }, { severity_rules: { 'accessibility..x': 'critical' } })).toMatchObject({ severity: 'critical' });
    expect(severityFor({ ...label, check_id: 'accessibility.axe.' }, { severity_rules: rules })).toMatchObject({ rule: 'severity_rules.accessibility.axe' });
  });
});
