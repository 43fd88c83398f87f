import { FindingDomain, Severity, type SeveritySource } from '../generated/prisma/enums.ts';

/**
 * A project's policy `config` is free-form JSON that the API stores as sent (Krafter does not
 * validate it). What Sitewarden interprets is read leniently here: an entry it does not
 * understand is ignored, never an error.
 */
export type PolicyConfig = Record<string, unknown>;

/** Krafter's default, created by the first read of a project's policy. */
export const DEFAULT_POLICY_NAME = 'Default Audit Policy';
export const DEFAULT_POLICY_CONFIG: PolicyConfig = {
  severity_rules: { security: 'critical', performance: 'high', accessibility: 'medium', seo: 'low' },
  sla_hours: { critical: 24, high: 72, medium: 168, low: 336 },
  alert_routing: { critical: ['slack', 'email'], high: ['slack'] },
};

const SEVERITIES: readonly string[] = Object.values(Severity);
const DOMAINS: readonly string[] = Object.values(FindingDomain);

function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && SEVERITIES.includes(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The longest `severity_rules` key read, and the most entries. Every check id Sitewarden makes is
 * far shorter (the longest, an axe rule's, is under 60 characters); the API refuses configs
 * beyond either bound, and a config stored before it was bounded has its longer keys ignored, so
 * matching a finding costs the same whatever a stored config or a check id holds.
 */
export const MAX_RULE_KEY_CHARS = 200;
export const MAX_SEVERITY_RULES = 500;

/** A domain ("security") or a check id ("security.csp_missing", "accessibility.axe.label"). */
function isRuleKey(key: string): boolean {
  if (key.length > MAX_RULE_KEY_CHARS) return false;
  if (DOMAINS.includes(key)) return true;
  const dot = key.indexOf('.');
  return dot > 0 && dot < key.length - 1 && DOMAINS.includes(key.slice(0, dot));
}

/** `severity_rules` as far as it makes sense: rule key → severity. */
export type SeverityRules = ReadonlyMap<string, Severity>;

const rulesOfConfig = new WeakMap<object, SeverityRules>();

export function severityRulesOf(config: unknown): SeverityRules {
  if (!isObject(config)) return new Map();
  const cached = rulesOfConfig.get(config);
  if (cached) return cached;
  const rules = new Map<string, Severity>();
  const declared = config.severity_rules;
  if (isObject(declared)) {
    for (const [key, severity] of Object.entries(declared)) {
      if (rules.size >= MAX_SEVERITY_RULES) break;
      if (isRuleKey(key) && isSeverity(severity)) rules.set(key, severity);
    }
  }
  rulesOfConfig.set(config, rules);
  return rules;
}

/**
 * The rule keys that may rate a finding, most specific first: its check id, the check id's
 * dotted prefixes (a check module's id such as "accessibility.axe" covers every rule it
 * reports), then its domain. No key is longer than MAX_RULE_KEY_CHARS, so only the prefixes
 * within that length are candidates: one scan of at most that many characters, however long
 * or dotted the check id is (every prefix of an 80 KB id of dots was quadratic).
 */
function ruleKeysFor(domain: FindingDomain, checkId: string): string[] {
  const keys: string[] = [];
  const first = checkId.indexOf('.');
  if (first >= 0) {
    if (checkId.length <= MAX_RULE_KEY_CHARS) keys.push(checkId);
    // A prefix ends before a dot after the first one: "accessibility.axe" of "accessibility.axe.label".
    const head = checkId.slice(0, MAX_RULE_KEY_CHARS + 1);
    for (let dot = head.lastIndexOf('.'); dot > first; dot = head.lastIndexOf('.', dot - 1)) keys.push(head.slice(0, dot));
  }
  keys.push(domain);
  return keys;
}

export interface RatedFinding {
  domain: FindingDomain;
  check_id: string;
  /** The check's own severity, or the one a person set when `severity_source` is manual. */
  severity: Severity;
  severity_source: SeveritySource;
}

export interface AssignedSeverity {
  severity: Severity;
  source: SeveritySource;
  /** The rule that decided it, as a path into the config: "severity_rules.security". */
  rule?: string;
}

/** What a scan assigns: a person's choice, else the most specific rule, else the check's own. */
export function severityFor(finding: RatedFinding, config: unknown): AssignedSeverity {
  if (finding.severity_source === 'manual') return { severity: finding.severity, source: 'manual' };
  const rules = severityRulesOf(config);
  for (const key of ruleKeysFor(finding.domain, finding.check_id)) {
    const severity = rules.get(key);
    if (severity) return { severity, source: 'policy', rule: `severity_rules.${key}` };
  }
  return { severity: finding.severity, source: 'check' };
}

/** `sla_hours` for a severity, when the config gives a positive number of hours. */
export function slaHoursFor(severity: Severity, config: unknown): number | undefined {
  const slaHours = isObject(config) ? config.sla_hours : undefined;
  const hours = isObject(slaHours) ? slaHours[severity] : undefined;
  return typeof hours === 'number' && Number.isFinite(hours) && hours > 0 ? hours : undefined;
}

/**
 * Scans keep the check's own severity in the finding's evidence: once a rule has changed the
 * severity, it is the only record of what the check said, and a simulation needs it.
 */
export function withCheckSeverity(evidence: Record<string, unknown>, severity: Severity): Record<string, unknown> {
  return { ...evidence, check_severity: severity };
}

/** A stored finding, as the policy simulation needs it. */
export interface SimulatedFinding {
  id: string;
  title: string;
  domain: FindingDomain;
  check_id: string;
  severity: Severity;
  severity_source: SeveritySource;
  /** `evidence.check_severity`; absent on findings recorded before scans kept it. */
  check_severity?: unknown;
}

export interface SeverityChange {
  finding_id: string;
  title: string;
  domain: FindingDomain;
  check_id: string;
  from: Severity;
  to: Severity;
  /** null: no rule applies any more, and the finding goes back to its check's severity. */
  rule: string | null;
}

export type SeverityCounts = Record<Severity, number>;

export interface PolicySimulation {
  simulated_findings: number;
  escalated_to_critical: number;
  config_preview: unknown;
  severities: SeverityCounts;
  counts_before: SeverityCounts;
  trace: SeverityChange[];
}

const zeroCounts = (): SeverityCounts => ({ critical: 0, high: 0, medium: 0, low: 0 });

/** What a scan would assign to each finding under `config`, without changing anything. */
export function simulatePolicy(findings: readonly SimulatedFinding[], config: unknown): PolicySimulation {
  const countsBefore = zeroCounts();
  const countsAfter = zeroCounts();
  const trace: SeverityChange[] = [];
  let escalatedToCritical = 0;
  for (const finding of findings) {
    const checkSeverity = isSeverity(finding.check_severity) ? finding.check_severity : finding.severity;
    const ratedAs = finding.severity_source === 'manual' ? finding.severity : checkSeverity;
    const assigned = severityFor({ ...finding, severity: ratedAs }, config);
    countsBefore[finding.severity]++;
    countsAfter[assigned.severity]++;
    if (assigned.severity === finding.severity) continue;
    if (assigned.severity === 'critical') escalatedToCritical++;
    trace.push({
      finding_id: finding.id,
      title: finding.title,
      domain: finding.domain,
      check_id: finding.check_id,
      from: finding.severity,
      to: assigned.severity,
      rule: assigned.rule ?? null,
    });
  }
  return {
    simulated_findings: findings.length,
    escalated_to_critical: escalatedToCritical,
    config_preview: config,
    severities: countsAfter,
    counts_before: countsBefore,
    trace,
  };
}
