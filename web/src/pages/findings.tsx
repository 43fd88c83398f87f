import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { errorMessage, type Finding } from '../api/client';
import { formatDate, label } from '../lib/format';
import { apiQuery, BULK_TARGETS, DOMAINS, pageInfo, SEVERITIES, STATUSES, viewFromQuery, viewToQuery, type FindingsView, type SortKey } from '../lib/findings';
import { evidenceTree, type EvidenceNode } from '../lib/evidence';
import { href } from '../lib/route';
import { Badge, Empty, ErrorNote, Notice, PageTitle, Show, useApp, useLoad, useTenant } from '../ui';

const go = (view: FindingsView) => (location.hash = href('findings', viewToQuery(view)));

export function FindingsPage({ query }: { query: URLSearchParams }) {
  const { api, canWrite } = useApp();
  const path = useTenant();
  const view = viewFromQuery(query);
  const q = apiQuery(view);
  const [list, retry] = useLoad(
    (signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/findings', { params: { path, query: q }, signal }),
    [JSON.stringify(q)],
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [notice, setNotice] = useState<{ text: string; tone: 'ok' | 'bad' } | null>(null);

  const filter = (name: 'severity' | 'status' | 'domain', options: readonly string[]) => (
    <label>
      {label(name[0]!.toUpperCase() + name.slice(1))}{' '}
      <select value={view[name] ?? ''} onChange={(e) => (setSelected(new Set()), go({ ...view, [name]: (e.target as HTMLSelectElement).value || undefined, offset: 0 }))}>
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {label(o)}
          </option>
        ))}
      </select>
    </label>
  );

  const sortHeader = (key: SortKey, text: string) => {
    const active = view.sort === key;
    return (
      <th scope="col" aria-sort={active ? (view.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
        <button type="button" class="sort" onClick={() => go({ ...view, sort: key, dir: active && view.dir === 'desc' ? 'asc' : 'desc' })}>
          {text}
          <span aria-hidden="true">{active ? (view.dir === 'asc' ? ' ▲' : ' ▼') : ''}</span>
        </button>
      </th>
    );
  };

  return (
    <>
      <PageTitle>Findings</PageTitle>
      <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        {filter('severity', SEVERITIES)}
        {filter('status', STATUSES)}
        {filter('domain', DOMAINS)}
        {view.scan_id && (
          <p>
            Seen by one scan.{' '}
            <a href={href('findings', viewToQuery({ ...view, scan_id: undefined, offset: 0 }))}>Show all scans</a>
          </p>
        )}
      </form>
      <Notice message={notice?.text ?? null} tone={notice?.tone ?? 'ok'} />
      <Show value={list} what="findings" retry={retry}>
        {(rows, meta) => {
          const total = meta?.total ?? rows.length;
          const page = pageInfo(view.offset, rows.length, total);
          if (rows.length === 0) return <Empty>No finding matches these filters.</Empty>;
          const allChecked = rows.every((r) => selected.has(r.id));
          return (
            <>
              {canWrite && (
                <BulkForm
                  ids={[...selected].filter((id) => rows.some((r) => r.id === id))}
                  onDone={(text, tone) => {
                    setNotice({ text, tone });
                    if (tone === 'ok') {
                      setSelected(new Set());
                      retry();
                    }
                  }}
                />
              )}
              <div class="table-wrap">
                <table class="findings">
                  <caption class="sr-only">Findings; a column's sort orders every page</caption>
                  <thead>
                    <tr>
                      {canWrite && (
                        <th scope="col">
                          <input
                            type="checkbox"
                            aria-label="Select every finding on this page"
                            checked={allChecked}
                            onChange={() => setSelected(allChecked ? new Set() : new Set(rows.map((r) => r.id)))}
                          />
                        </th>
                      )}
                      {sortHeader('title', 'Finding')}
                      {sortHeader('severity', 'Severity')}
                      {sortHeader('status', 'Status')}
                      {sortHeader('domain', 'Domain')}
                      {sortHeader('priority', 'Priority')}
                      {sortHeader('updated', 'Updated')}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((f) => (
                      <tr key={f.id}>
                        {canWrite && (
                          <td>
                            <input
                              type="checkbox"
                              aria-label={`Select ${f.title}`}
                              checked={selected.has(f.id)}
                              onChange={(e) => {
                                const next = new Set(selected);
                                if ((e.target as HTMLInputElement).checked) next.add(f.id);
                                else next.delete(f.id);
                                setSelected(next);
                              }}
                            />
                          </td>
                        )}
                        <td>
                          <a href={href(`findings/${f.id}`)}>{f.title}</a>
                        </td>
                        <td>
                          <Badge kind="sev" value={f.severity} />
                        </td>
                        <td>{label(f.status)}</td>
                        <td>{f.domain}</td>
                        <td>{f.priority_score}</td>
                        <td>{formatDate(f.updated_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <nav class="pager" aria-label="Pages">
                <span>
                  {page.from}–{page.to} of {page.total}
                </span>
                <button type="button" disabled={page.prevOffset === null} onClick={() => page.prevOffset !== null && go({ ...view, offset: page.prevOffset })}>
                  Previous page
                </button>
                <button type="button" disabled={page.nextOffset === null} onClick={() => page.nextOffset !== null && go({ ...view, offset: page.nextOffset })}>
                  Next page
                </button>
              </nav>
            </>
          );
        }}
      </Show>
    </>
  );
}

function BulkForm({ ids, onDone }: { ids: string[]; onDone: (text: string, tone: 'ok' | 'bad') => void }) {
  const { api } = useApp();
  const path = useTenant();
  const [status, setStatus] = useState<(typeof BULK_TARGETS)[number]>('triaged');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="bulk"
      aria-label="Change the selected findings"
      onSubmit={async (e) => {
        e.preventDefault();
        if (ids.length === 0) return onDone('Select findings first.', 'bad');
        setBusy(true);
        try {
          const res = await api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/findings/bulk', {
            params: { path },
            body: { ids, status, ...(reason.trim() ? { reason: reason.trim() } : {}) },
          });
          if (res.data) {
            setReason('');
            onDone(`${res.data.data.updated} of ${ids.length} findings moved to ${label(status)}.`, 'ok');
          } else onDone(errorMessage(res.error, res.response.status), 'bad');
        } finally {
          setBusy(false);
        }
      }}
    >
      <span>{ids.length} selected</span>
      <label>
        Move to{' '}
        <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value as typeof status)}>
          {BULK_TARGETS.map((s) => (
            <option key={s} value={s}>
              {label(s)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Reason <input value={reason} maxLength={500} onInput={(e) => setReason((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={busy || ids.length === 0}>
        Apply to selected
      </button>
    </form>
  );
}

function Evidence({ node }: { node: EvidenceNode }): ComponentChildren {
  switch (node.kind) {
    case 'text':
      return node.code ? <code class="evidence-text">{node.value}</code> : <span>{node.value}</span>;
    case 'list':
      return (
        <ul>
          {node.items.map((item, i) => (
            <li key={i}>
              <Evidence node={item} />
            </li>
          ))}
          {node.more > 0 && <li class="muted">and {node.more} more</li>}
        </ul>
      );
    case 'table':
      return (
        <div class="table-wrap">
          <table class="kv">
            <tbody>
              {node.rows.map(([k, v]) => (
                <tr key={k}>
                  <th scope="row">{k}</th>
                  <td>
                    <Evidence node={v} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {node.more > 0 && <p class="muted">and {node.more} more</p>}
        </div>
      );
  }
}

export function FindingPage({ id }: { id: string }) {
  const { api, canWrite } = useApp();
  const path = useTenant();
  const [finding, retry] = useLoad(
    (signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/findings/{finding_id}', { params: { path: { ...path, finding_id: id } }, signal }),
    [id],
  );
  return (
    <>
      <PageTitle>Finding</PageTitle>
      <Show value={finding} what="the finding" retry={retry}>
        {(f) => (
          <>
            <h2 class="finding-title">{f.title}</h2>
            <p>
              <Badge kind="sev" value={f.severity} /> <span>{label(f.status)}</span> · {f.domain} · <code>{f.check_id}</code> · priority {f.priority_score}
            </p>
            <p>{f.description}</p>
            {f.affected_assets.length > 0 && (
              <section aria-labelledby="assets">
                <h3 id="assets">Affected</h3>
                <ul>
                  {f.affected_assets.slice(0, 50).map((a, i) => (
                    <li key={i}>
                      {a.type}: <code>{a.value}</code>
                    </li>
                  ))}
                </ul>
              </section>
            )}
            <section aria-labelledby="evidence">
              <h3 id="evidence">Evidence</h3>
              {Object.keys(f.evidence).length === 0 ? <Empty>The check recorded no evidence.</Empty> : <Evidence node={evidenceTree(f.evidence)} />}
            </section>
            <section aria-labelledby="fix">
              <h3 id="fix">Recommended fix</h3>
              {f.recommended_fix ? (
                <>
                  <p>{f.recommended_fix.summary}</p>
                  <ol>
                    {f.recommended_fix.steps.map((s, i) => (
                      <li key={i}>{s}</li>
                    ))}
                  </ol>
                </>
              ) : (
                <Empty>No recommended fix (the AI review did not score this finding).</Empty>
              )}
            </section>
            <section aria-labelledby="regressions">
              <h3 id="regressions">Regressions</h3>
              {f.regressions.length === 0 ? (
                <Empty>It has not come back after a fix.</Empty>
              ) : (
                <ul>
                  {f.regressions.map((r) => (
                    <li key={r.id}>
                      {label(r.trigger)}: {r.status}, opened {formatDate(r.opened_at)}
                      {r.closed_at ? `, closed ${formatDate(r.closed_at)}` : ''}
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <FindingHistory id={f.id} />
            {canWrite && <CreateTask finding={f} />}
          </>
        )}
      </Show>
    </>
  );
}

function FindingHistory({ id }: { id: string }) {
  const { api } = useApp();
  const path = useTenant();
  const [events, retry] = useLoad(
    (signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/findings/{finding_id}/events', { params: { path: { ...path, finding_id: id } }, signal }),
    [id],
  );
  return (
    <section aria-labelledby="history">
      <h3 id="history">History</h3>
      <Show value={events} what="the history" retry={retry}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No change yet.</Empty>
          ) : (
            <ol class="history">
              {list.map((e) => (
                <li key={e.id}>
                  <time dateTime={e.created_at}>{formatDate(e.created_at)}</time> {label(e.kind)}
                  {e.kind === 'status_changed' && e.from_status ? `: ${label(e.from_status)} → ${label(e.status)}` : ''}
                  {e.kind === 'severity_changed' && e.from_severity ? `: ${e.from_severity} → ${e.severity}` : ''} <span class="muted">by {e.actor}</span>
                  {e.reason && <q>{e.reason}</q>}
                </li>
              ))}
            </ol>
          )
        }
      </Show>
    </section>
  );
}

function CreateTask({ finding }: { finding: Finding }) {
  const { api } = useApp();
  const path = useTenant();
  const [priority, setPriority] = useState<'low' | 'medium' | 'high' | 'critical'>('medium');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section aria-labelledby="new-task">
      <h3 id="new-task">Remediation</h3>
      <form
        class="inline"
        onSubmit={async (e) => {
          e.preventDefault();
          const res = await api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/tasks', { params: { path }, body: { finding_id: finding.id, priority } });
          if (res.data) location.hash = href(`tasks/${res.data.data.id}`);
          else setProblem(errorMessage(res.error, res.response.status));
        }}
      >
        <label>
          Priority{' '}
          <select value={priority} onChange={(e) => setPriority((e.target as HTMLSelectElement).value as typeof priority)}>
            {(['low', 'medium', 'high', 'critical'] as const).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Create task</button>
      </form>
      {problem && <ErrorNote message={problem} />}
    </section>
  );
}
