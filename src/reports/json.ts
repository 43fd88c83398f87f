import { serializeFinding } from '../api/serializers/finding.ts';
import { healthScoreOf, securityGradeOf, securityGradeSummary, type Finding, type ReportContext } from './model.ts';

/**
 * The JSON report: the report's context (summary, scan runs) and the findings in the API's own
 * shape, streamed one finding at a time.
 */
export async function* jsonReport(context: ReportContext, findings: AsyncIterable<Finding>): AsyncGenerator<string> {
  const grade = securityGradeOf(context);
  const head = {
    report: { ...context.report, generated_at: context.generated_at, period: context.period },
    project: context.project,
    summary: {
      health_score: healthScoreOf(context),
      security_grade: grade ? securityGradeSummary(grade) : null,
      ...context.metrics,
      findings_in_report: context.findings.included,
      findings_total: context.findings.total,
      counts: { by_severity: context.findings.by_severity, by_domain: context.findings.by_domain },
      latest_scan: context.latest_scan,
    },
    scan_runs: context.scan_runs,
  };
  const opening = JSON.stringify(head, null, 2);
  yield `${opening.slice(0, -2)},\n  "findings": [`;
  let first = true;
  for await (const finding of findings) {
    yield `${first ? '\n' : ',\n'}    ${JSON.stringify(serializeFinding(finding))}`;
    first = false;
  }
  yield `${first ? '' : '\n  '}]\n}\n`;
}
