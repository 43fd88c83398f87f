import { Bars, LineChart } from '../chart';
import { dueLabel, dueSoon, formatDate, percent } from '../lib/format';
import { href } from '../lib/route';
import { Empty, PageTitle, Show, useApp, useLoad, useTenant } from '../ui';

export function OverviewPage() {
  const { api } = useApp();
  const path = useTenant();
  const [center, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/command-center', { params: { path }, signal }), []);
  const [summary, retrySummary] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/reports/summary', { params: { path }, signal }), []);
  const [tasks, retryTasks] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/tasks', { params: { path, query: { limit: 200 } }, signal }), []);
  const [scans, retryScans] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/scans', { params: { path, query: { limit: 30 } }, signal }), []);
  const now = Date.now();
  const day = (ms: number) => new Date(ms * 1000).toLocaleDateString();
  return (
    <>
      <PageTitle>Command center</PageTitle>
      <Show value={center} what="the overview" retry={retry}>
        {(c) => (
          <>
            <div class="tiles">
              <div class="tile">
                <span class="tile-label">Health score</span>
                <span class="tile-value">{c.latest_scan?.health_score != null ? Math.round(c.latest_scan.health_score) : '—'}</span>
                <span class="muted">{c.latest_scan ? `scan of ${formatDate(c.latest_scan.finished_at)}` : 'no scan yet'}</span>
              </div>
              <div class="tile">
                <span class="tile-label">Open findings</span>
                <span class="tile-value">{c.findings.open}</span>
              </div>
              <div class="tile">
                <span class="tile-label">Open tasks</span>
                <span class="tile-value">{c.tasks.open}</span>
                <span class={c.tasks.past_sla ? 'overdue' : 'muted'}>{c.tasks.past_sla} past SLA</span>
              </div>
              <div class="tile">
                <span class="tile-label">Awaiting approval</span>
                <span class="tile-value">{c.verifications.awaiting_approval}</span>
              </div>
              <Show value={summary} what="the summary" retry={retrySummary}>
                {(s) => (
                  <>
                    <div class="tile">
                      <span class="tile-label">Open risk</span>
                      <span class="tile-value">{Math.round(s.risk_burn_down.at(-1)?.open_risk_score ?? 0)}</span>
                    </div>
                    <div class="tile">
                      <span class="tile-label">Regression rate</span>
                      <span class="tile-value">{percent(s.regression_rate)}</span>
                    </div>
                  </>
                )}
              </Show>
            </div>
            <div class="charts">
              <Show value={summary} what="the burn-down" retry={retrySummary}>
                {(s) => (
                  <LineChart
                    title="Open risk, last 7 days"
                    yLabel="Open risk"
                    xs={s.risk_burn_down.map((p) => Date.parse(`${p.date}T12:00:00Z`) / 1000)}
                    ys={s.risk_burn_down.map((p) => Math.round(p.open_risk_score))}
                    format={day}
                  />
                )}
              </Show>
              <Show value={scans} what="the health trend" retry={retryScans}>
                {(list) => {
                  const done = list.filter((s) => s.status === 'completed' && typeof s.summary.health_score === 'number' && s.finished_at).reverse();
                  return done.length === 0 ? (
                    <Empty>The health trend appears after the first completed scan.</Empty>
                  ) : (
                    <LineChart
                      title="Health score per scan"
                      yLabel="Health score"
                      xs={done.map((s) => Date.parse(s.finished_at!) / 1000)}
                      ys={done.map((s) => Math.round(s.summary.health_score as number))}
                      format={(x) => new Date(x * 1000).toLocaleString()}
                    />
                  );
                }}
              </Show>
              <Bars title="Open findings by severity" counts={c.findings.by_severity as Record<string, number>} />
              <Bars title="Open findings by domain" counts={c.findings.by_domain as Record<string, number>} />
            </div>
            <section aria-labelledby="due">
              <h2 id="due">Tasks past their SLA</h2>
              {c.tasks.past_sla_tasks.length === 0 ? (
                <Empty>None: every open task is within its SLA.</Empty>
              ) : (
                <ul>
                  {c.tasks.past_sla_tasks.map((t) => (
                    <li key={t.id}>
                      <a href={href(`tasks/${t.id}`)}>{t.title}</a> <span class="overdue">{dueLabel(t.sla_due_at, now).text}</span>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section aria-labelledby="soon">
              <h2 id="soon">Tasks due in the next 7 days</h2>
              <Show value={tasks} what="tasks" retry={retryTasks}>
                {(list) => {
                  const soon = dueSoon(list, now);
                  return soon.length === 0 ? (
                    <Empty>No open task falls due this week.</Empty>
                  ) : (
                    <ul>
                      {soon.map((t) => (
                        <li key={t.id}>
                          <a href={href(`tasks/${t.id}`)}>{t.title}</a> <span class="muted">{dueLabel(t.sla_due_at, now).text}</span>
                        </li>
                      ))}
                    </ul>
                  );
                }}
              </Show>
            </section>
            <section aria-labelledby="top">
              <h2 id="top">Top findings</h2>
              {c.top_findings.length === 0 ? (
                <Empty>No open finding.</Empty>
              ) : (
                <ol>
                  {c.top_findings.map((f) => (
                    <li key={f.id}>
                      <a href={href(`findings/${f.id}`)}>{f.title}</a> <span class="muted">({f.severity}, priority {f.priority_score})</span>
                    </li>
                  ))}
                </ol>
              )}
            </section>
          </>
        )}
      </Show>
    </>
  );
}
