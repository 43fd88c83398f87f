import { checkFor, fixFor, helpUrlOf, pageUrlsOf } from './catalogue.ts';
import type { Finding, FindingDomain, ReportContext, Severity } from './model.ts';
import { securityGradeOf, securityGradeSummary } from './model.ts';

/**
 * SARIF 2.1.0 (OASIS) as GitHub code scanning reads it: one run, one rule per check id from the
 * check modules' metadata, one result per finding with a level from its severity, its page
 * URLs as locations, and a partial fingerprint (the finding id) so re-uploads update alerts.
 */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** Sitewarden's version, as the tool's. */
const TOOL_VERSION = '0.1.0';
/** GitHub keeps at most 10 locations of a result on screen; the rest are in the JSON export. */
const MAX_LOCATIONS = 10;

type Level = 'error' | 'warning' | 'note';
const LEVEL: Record<Severity, Level> = { critical: 'error', high: 'error', medium: 'warning', low: 'note' };
/** GitHub's security severity (CVSS-like, 0–10) for rules tagged `security`. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0' };

/** The first finding of a check id in the report stands for that check's rule. */
export type RuleSource = Pick<Finding, 'check_id' | 'title' | 'domain' | 'severity' | 'evidence' | 'recommended_fix'>;

export function sarifRule(source: RuleSource) {
  const check = checkFor(source.check_id);
  const own = check?.id === source.check_id;
  const severity = own ? check.severity : source.severity;
  const fix = fixFor({ ...source, recommended_fix: null });
  const helpUri = helpUrlOf(source);
  return {
    id: source.check_id,
    name: ruleName(source.check_id),
    shortDescription: { text: own ? check.title : source.title },
    fullDescription: { text: check?.description ?? source.title },
    ...(helpUri ? { helpUri } : {}),
    help: {
      text: fix ? [fix.summary, ...fix.steps.map((step, i) => `${i + 1}. ${step}`)].join('\n') : source.title,
      markdown: helpMarkdown(check?.fix, helpUri, source.title),
    },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      tags: tagsOf(source.domain),
      precision: 'high',
      ...(source.domain === 'security' ? { 'security-severity': SECURITY_SEVERITY[severity] } : {}),
    },
  };
}

/**
 * GitHub renders `help.markdown`: every text is escaped, so a title a page wrote (axe's rule
 * help) cannot add a link, and the one link is the help URL that helpUrlOf matched exactly.
 */
function helpMarkdown(fix: { summary: string; steps: string[] } | undefined, helpUri: string | undefined, title: string): string {
  if (!fix) return escapeMarkdown(title);
  const steps = fix.steps.map(escapeMarkdown);
  if (helpUri) steps.push(`Rule guidance: [${helpUri}](${helpUri})`);
  return [escapeMarkdown(fix.summary), '', ...steps.map((step, i) => `${i + 1}. ${step}`)].join('\n');
}

/** CommonMark's backslash escapes for every punctuation mark that can start markup. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+\-.!|~&:"']/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

/** "security.hsts_missing" → "SecurityHstsMissing": SARIF's rule names are identifiers. */
function ruleName(checkId: string): string {
  return checkId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

function tagsOf(domain: FindingDomain): string[] {
  return domain === 'security' ? ['security', 'web'] : [domain, 'web'];
}

export function sarifResult(finding: Finding, ruleIndex: number) {
  const locations = pageUrlsOf(finding)
    .slice(0, MAX_LOCATIONS)
    .map((uri) => ({ physicalLocation: { artifactLocation: { uri }, region: { startLine: 1 } } }));
  return {
    ruleId: finding.check_id,
    ruleIndex,
    level: LEVEL[finding.severity],
    message: { text: finding.description ? `${finding.title}: ${finding.description}` : finding.title },
    ...(locations.length ? { locations } : {}),
    partialFingerprints: { 'sitewardenFinding/v1': finding.id },
    properties: {
      finding_id: finding.id,
      severity: finding.severity,
      status: finding.status,
      priority_score: finding.priority_score,
      domain: finding.domain,
    },
  };
}

/**
 * Streams the log in one pass over the findings: results first, each rule added the first time
 * its check id appears, then the tool with its rules (SARIF's property order carries no meaning).
 */
export async function* sarifReport(context: ReportContext, findings: AsyncIterable<Finding>): AsyncGenerator<string> {
  const rules = new Map<string, { index: number; source: RuleSource }>();
  const grade = securityGradeOf(context);
  const run = {
    automationDetails: { id: `sitewarden/${context.project.id}/${context.report.id}` },
    invocations: [{ executionSuccessful: true, endTimeUtc: context.generated_at }],
    properties: {
      report_id: context.report.id,
      project_id: context.project.id,
      findings_total: context.findings.total,
      ...(grade ? { security_grade: securityGradeSummary(grade) } : {}),
    },
  };
  const opening = JSON.stringify({ $schema: SARIF_SCHEMA, version: '2.1.0', runs: [run] });
  // Everything but the closing `}]}`, then the run's results.
  yield `${opening.slice(0, -3)},"results":[`;
  let first = true;
  for await (const finding of findings) {
    let rule = rules.get(finding.check_id);
    if (!rule) rules.set(finding.check_id, (rule = { index: rules.size, source: finding }));
    yield `${first ? '' : ','}\n${JSON.stringify(sarifResult(finding, rule.index))}`;
    first = false;
  }
  const driver = { name: 'Sitewarden', semanticVersion: TOOL_VERSION, rules: [...rules.values()].map((rule) => sarifRule(rule.source)) };
  yield `\n],"tool":${JSON.stringify({ driver })}}]}\n`;
}
