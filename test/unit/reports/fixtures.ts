import type { Finding, ReportContext } from '../../../src/reports/model.ts';

let sequence = 0;

/** A finding row as Prisma returns it; `overrides` win. */
export function finding(overrides: Partial<Finding> = {}): Finding {
  sequence++;
  return {
    id: `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`,
    org_id: '11111111-1111-1111-1111-111111111111',
    project_id: 'production-website',
    domain: 'security',
    check_id: 'security.hsts_missing',
    title: 'Strict-Transport-Security header missing',
    description: 'https://example.com/ sends no Strict-Transport-Security header.',
    severity: 'high',
    severity_source: 'check',
    status: 'new',
    confidence: 1,
    impact_score: 80,
    effort_score: 15,
    risk_score: 80,
    priority_score: 80,
    score_source: 'rules',
    recommended_fix: null,
    evidence: { header: 'strict-transport-security', value: null },
    affected_assets: [{ type: 'url', value: 'https://example.com/' }],
    owner_id: null,
    verification_key: 'security_header_hsts',
    first_seen_scan_id: '22222222-2222-4222-8222-222222222222',
    last_seen_scan_id: '22222222-2222-4222-8222-222222222222',
    inserted_at: new Date('2025-06-10T10:00:00Z'),
    updated_at: new Date('2025-06-10T10:00:00Z'),
    ...overrides,
  } as Finding;
}

export function context(findings: readonly Finding[], overrides: Partial<ReportContext> = {}): ReportContext {
  const count = <K extends string>(keys: K[], key: (f: Finding) => string) =>
    Object.fromEntries(keys.map((k) => [k, findings.filter((f) => key(f) === k).length])) as Record<K, number>;
  return {
    report: { id: '9a8b7c6d-5e4f-4a2b-8c0d-9e8f7a6b5c4d', org_id: '11111111-1111-1111-1111-111111111111', project_id: 'production-website', format: 'json', created_at: '2025-06-10T15:00:00.000Z' },
    project: { id: 'production-website', name: 'Production website' },
    generated_at: '2025-06-10T15:00:01.000Z',
    period: { start: '2025-06-04', end: '2025-06-10' },
    metrics: { open_findings: findings.length, verification_pass_rate: 0.84, regression_rate: 0.12 },
    latest_scan: {
      id: '22222222-2222-4222-8222-222222222222',
      url: 'https://example.com/',
      status: 'completed',
      finished_at: '2025-06-10T09:59:00.000Z',
      summary: { health_score: 72, summary: 'A few findings.' },
    },
    scan_runs: [{ id: '22222222-2222-4222-8222-222222222222', url: 'https://example.com/', status: 'completed', finished_at: '2025-06-10T09:59:00.000Z' }],
    findings: {
      included: findings.length,
      total: findings.length,
      by_severity: count(['critical', 'high', 'medium', 'low'], (f) => f.severity),
      by_domain: count(['security', 'performance', 'accessibility', 'seo'], (f) => f.domain),
    },
    ...overrides,
  };
}

export async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  yield* items;
}

export async function collect(parts: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const part of parts) text += part;
  return text;
}
