import type { PerformanceArtifacts } from '../../../../src/checks/artifacts.ts';
import { runCheck, type Check, type DetectedFinding } from '../../../../src/checks/types.ts';

type Metrics = PerformanceArtifacts['metrics'];
type Field = NonNullable<PerformanceArtifacts['field']>;

/** A mobile Lighthouse result whose metrics are all good, changed by `overrides`. */
export function artifacts(overrides: { metrics?: Partial<Metrics>; field?: Field; source?: PerformanceArtifacts['source']; opportunities?: PerformanceArtifacts['opportunities'] } = {}): PerformanceArtifacts {
  return {
    url: 'https://example.com/',
    source: overrides.source ?? 'lighthouse',
    metrics: { lcpMs: 1200, fcpMs: 900, cls: 0.01, tbtMs: 50, speedIndexMs: 1500, ttfbMs: 120, ...overrides.metrics },
    ...(overrides.field ? { field: overrides.field } : {}),
    opportunities: overrides.opportunities ?? [],
    lighthouseVersion: '13.5.0',
  };
}

export interface MetricCase {
  check: Check<PerformanceArtifacts>;
  key: string;
  good: number;
  poor: number;
  /** The smallest step above a threshold in the metric's unit. */
  step: number;
  lab: keyof Metrics;
  /** The field (CrUX) counterpart, for metrics that have one. */
  field?: Exclude<keyof Field, 'scope'>;
}

/** The boundary and data-source behaviour every metric check shares, as test cases. */
export function describeMetric({ check, key, good, poor, step, lab, field }: MetricCase): void {
  const withLab = (value: number | null): DetectedFinding[] => runCheck(check, artifacts({ metrics: { [lab]: value } }));

  test('metadata', () => {
    expect(check.verificationKey).toBe(key);
    expect(check.domain).toBe('performance');
    expect(check.title).not.toMatch(/\d/);
  });

  test.each([
    ['good', good, []],
    ['barely needs improvement', good + step, ['medium']],
    ['needs improvement at the poor threshold', poor, ['medium']],
    ['poor', poor + step, ['high']],
  ])('%s (%p)', (_name, value, severities) => {
    expect(withLab(value).map((f) => f.severity)).toEqual(severities);
  });

  test('not measured: no finding', () => {
    expect(withLab(null)).toEqual([]);
  });

  test('detail and evidence of a lab value', () => {
    const [finding] = withLab(poor + step);
    expect(finding).toMatchObject({
      checkId: check.id,
      title: check.title,
      verificationKey: key,
      evidence: { metric: key, value: poor + step, source: 'lab', lab: poor + step, field: null, rating: 'poor', thresholds: { good, poor } },
    });
    expect(finding?.description).toContain('lab run');
    expect(finding?.description).toContain('https://example.com/');
  });

  if (field) {
    test('field data wins over the lab run, both ways', () => {
      const fieldGood = runCheck(check, artifacts({ metrics: { [lab]: poor * 2 }, field: { scope: 'page', [field]: good } }));
      expect(fieldGood).toEqual([]);

      const [finding] = runCheck(check, artifacts({ metrics: { [lab]: good / 2 }, field: { scope: 'origin', [field]: poor + step } }));
      expect(finding?.severity).toBe('high');
      expect(finding?.description).toContain('real Chrome users');
      expect(finding?.description).toContain('whole origin');
      expect(finding?.evidence).toMatchObject({ source: 'field', fieldScope: 'origin', value: poor + step, lab: good / 2, field: poor + step });
    });

    test('field data without this metric: the lab value counts', () => {
      const [finding] = runCheck(check, artifacts({ metrics: { [lab]: poor + step }, field: { scope: 'page' } }));
      expect(finding?.evidence).toMatchObject({ source: 'lab', value: poor + step });
    });
  } else {
    test('has no field counterpart: CrUX data does not change it', () => {
      const findings = runCheck(check, artifacts({ metrics: { [lab]: poor + step }, field: { scope: 'page', lcpMs: 100, cls: 0, fcpMs: 100, ttfbMs: 100, inpMs: 50 } }));
      expect(findings.map((f) => f.severity)).toEqual(['high']);
    });
  }
}
