import { useState } from 'preact/hooks';
import { errorMessage, type Schemas } from '../api/client';
import { label } from '../lib/format';
import { parseConfig } from '../lib/policy';
import { Empty, ErrorNote, Notice, PageTitle, Show, useApp, useLoad, useTenant } from '../ui';

export function PoliciesPage() {
  const { api } = useApp();
  const path = useTenant();
  const [policy, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/policies/current', { params: { path }, signal }), []);
  return (
    <>
      <PageTitle>Policy</PageTitle>
      <Show value={policy} what="the policy" retry={retry}>
        {(p) => <Editor policy={p} />}
      </Show>
    </>
  );
}

function Editor({ policy }: { policy: Schemas['Policy'] }) {
  const { api, canWrite } = useApp();
  const path = useTenant();
  const [name, setName] = useState(policy.name);
  const [text, setText] = useState(JSON.stringify(policy.config, null, 2));
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [result, setResult] = useState<Schemas['PolicySimulation'] | null>(null);
  const [busy, setBusy] = useState(false);

  const withConfig = async (run: (config: Record<string, unknown>) => Promise<void>) => {
    setProblem(null);
    setSaved(null);
    const parsed = parseConfig(text);
    if (!parsed.ok) return setProblem(parsed.message);
    setBusy(true);
    try {
      await run(parsed.config);
    } catch {
      setProblem('The server did not answer.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <form class="stack" onSubmit={(e) => e.preventDefault()}>
        <label for="policy-name">Name</label>
        <input id="policy-name" value={name} maxLength={200} readOnly={!canWrite} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
        <label for="policy-config">Config (JSON)</label>
        <textarea id="policy-config" rows={14} spellcheck={false} value={text} aria-describedby="policy-help" onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
        <p id="policy-help" class="muted">
          <code>severity_rules</code> maps a domain, check module or check id to a severity; <code>sla_hours</code> maps a severity to hours.
        </p>
        <div class="actions">
          <button
            type="button"
            disabled={busy}
            onClick={() =>
              withConfig(async (config) => {
                const res = await api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/policies/test', { params: { path }, body: { config } });
                if (res.data) setResult(res.data.data);
                else setProblem(errorMessage(res.error, res.response.status));
              })
            }
          >
            Test
          </button>
          {canWrite && (
            <button
              type="button"
              disabled={busy}
              onClick={() =>
                withConfig(async (config) => {
                  const res = await api.client.PUT('/api/v1/orgs/{org_id}/projects/{project_id}/audit/policies/current', { params: { path }, body: { name, config } });
                  if (res.data) setSaved('Saved: the policy applies from the next scan.');
                  else setProblem(errorMessage(res.error, res.response.status));
                })
              }
            >
              Save
            </button>
          )}
        </div>
      </form>
      {problem && <ErrorNote message={problem} />}
      <Notice message={saved} />
      {result && (
        <section aria-labelledby="verdict">
          <h2 id="verdict">Verdict</h2>
          <p>
            {result.simulated_findings} open findings checked; {result.trace.length} would change severity; {result.escalated_to_critical} would become critical.
          </p>
          <div class="table-wrap">
            <table>
              <caption>Severities before and after</caption>
              <thead>
                <tr>
                  <th scope="col">Severity</th>
                  <th scope="col">Now</th>
                  <th scope="col">With this config</th>
                </tr>
              </thead>
              <tbody>
                {Object.keys(result.severities).map((k) => (
                  <tr key={k}>
                    <th scope="row">{k}</th>
                    <td>{(result.counts_before as Record<string, number>)[k]}</td>
                    <td>{(result.severities as Record<string, number>)[k]}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Trace</h3>
          {result.trace.length === 0 ? (
            <Empty>No finding would change.</Empty>
          ) : (
            <ul>
              {result.trace.slice(0, 200).map((t) => (
                <li key={t.finding_id}>
                  {t.title}: {label(t.from)} → {label(t.to)} <span class="muted">({t.rule ? `rule ${t.rule}` : 'no rule covers it'})</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </>
  );
}
