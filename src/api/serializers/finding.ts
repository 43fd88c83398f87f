import type { Finding, FindingEvent, Regression } from '../../generated/prisma/client.ts';
import { iso } from './time.ts';

export function serializeFinding(f: Finding) {
  return {
    id: f.id,
    org_id: f.org_id,
    project_id: f.project_id,
    domain: f.domain,
    check_id: f.check_id,
    title: f.title,
    description: f.description,
    severity: f.severity,
    severity_source: f.severity_source,
    status: f.status,
    confidence: f.confidence,
    priority: { impact: f.impact_score, effort: f.effort_score, risk: f.risk_score, score: f.priority_score },
    priority_score: f.priority_score,
    // Whether impact/effort/risk/priority came from the deterministic rules or the model.
    score_source: f.score_source,
    owner_id: f.owner_id,
    affected_assets: f.affected_assets,
    evidence: f.evidence,
    recommended_fix: f.recommended_fix,
    verification_key: f.verification_key,
    first_seen_scan_id: f.first_seen_scan_id,
    last_seen_scan_id: f.last_seen_scan_id,
    inserted_at: iso(f.inserted_at),
    updated_at: iso(f.updated_at),
  };
}

export function serializeRegression(r: Regression) {
  return {
    id: r.id,
    finding_id: r.finding_id,
    trigger: r.trigger,
    status: r.status,
    scan_run_id: r.scan_run_id,
    verification_id: r.verification_id,
    opened_at: iso(r.opened_at),
    closed_at: iso(r.closed_at),
  };
}

export function serializeFindingEvent(e: FindingEvent) {
  return {
    id: e.id,
    finding_id: e.finding_id,
    kind: e.kind,
    from_status: e.from_status,
    status: e.status,
    from_severity: e.from_severity,
    severity: e.severity,
    priority_score: e.priority_score,
    actor: e.actor,
    reason: e.reason,
    created_at: iso(e.created_at),
  };
}
