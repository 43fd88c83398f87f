import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type ScanRun } from '../api/client';
import { formatDate, label } from '../lib/format';
import { href } from '../lib/route';
import { applyScanEvent, initialProgress, SCANNERS, slotList, type Progress } from '../lib/scan-progress';
import { followEventStream } from '../lib/sse';
import { Badge, Empty, ErrorNote, Notice, PageTitle, Show, useApp, useLoad, useTenant } from '../ui';

export function ScansPage() {
  const { api, canWrite } = useApp();
  const path = useTenant();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [list, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/scans', { params: { path, query: { limit: 25, ...(cursor ? { cursor } : {}) } }, signal }), [cursor]);
  const next = list.state === 'ready' ? (list.meta as { next_cursor?: string | null } | undefined)?.next_cursor : null;
  return (
    <>
      <PageTitle>Scans</PageTitle>
      {canWrite && <NewScanForm />}
      <section aria-labelledby="scan-list">
        <h2 id="scan-list">Recent scans</h2>
        <Show value={list} what="scans" retry={retry}>
          {(scans, meta) =>
            scans.length === 0 ? (
              <Empty>No scan yet{canWrite ? ': start one above.' : '.'}</Empty>
            ) : (
              <>
                <div class="table-wrap">
                  <table>
                    <caption class="sr-only">Scans, newest first ({meta?.total ?? scans.length} in all)</caption>
                    <thead>
                      <tr>
                        <th scope="col">URL</th>
                        <th scope="col">Status</th>
                        <th scope="col">Health</th>
                        <th scope="col">Started</th>
                      </tr>
                    </thead>
                    <tbody>
                      {scans.map((s) => (
                        <tr key={s.id}>
                          <td>
                            <a href={href(`scans/${s.id}`)}>{s.url}</a>
                          </td>
                          <td>
                            <Badge kind="scan" value={s.status} />
                          </td>
                          <td>{typeof s.summary.health_score === 'number' ? Math.round(s.summary.health_score) : '—'}</td>
                          <td>{formatDate(s.started_at ?? s.inserted_at)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <div class="pager">
                  {cursor && (
                    <button type="button" onClick={() => setCursor(undefined)}>
                      Newest
                    </button>
                  )}
                  {next && (
                    <button type="button" onClick={() => setCursor(next)}>
                      Older scans
                    </button>
                  )}
                </div>
              </>
            )
          }
        </Show>
      </section>
    </>
  );
}

function NewScanForm() {
  const { api } = useApp();
  const path = useTenant();
  const [url, setUrl] = useState('');
  const [scanners, setScanners] = useState<string[]>([...SCANNERS]);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <section aria-labelledby="new-scan">
      <h2 id="new-scan">New scan</h2>
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          if (scanners.length === 0) return setProblem('Pick at least one scanner.');
          setBusy(true);
          setProblem(null);
          try {
            const res = await api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/scans/run', {
              params: { path },
              body: { url, trigger: 'manual', scanners: scanners as (typeof SCANNERS)[number][] },
            });
            if (res.data) location.hash = href(`scans/${res.data.data.id}`);
            else setProblem(errorMessage(res.error, res.response.status));
          } catch {
            setProblem('The server did not answer.');
          } finally {
            setBusy(false);
          }
        }}
      >
        <label for="scan-url">URL</label>
        <input id="scan-url" type="url" required maxLength={2048} placeholder="https://example.com/" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        <fieldset>
          <legend>Scanners</legend>
          {SCANNERS.map((s) => (
            <label key={s} class="check">
              <input
                type="checkbox"
                checked={scanners.includes(s)}
                onChange={(e) => setScanners((cur) => ((e.target as HTMLInputElement).checked ? [...cur, s] : cur.filter((x) => x !== s)))}
              />{' '}
              {s}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Starting…' : 'Start scan'}
        </button>
        {problem && <ErrorNote message={problem} />}
      </form>
    </section>
  );
}

/** Follows a running scan's event stream; a finished one shows what GET answered. */
function useScanProgress(scan: ScanRun | null): Progress<ScanRun> | null {
  const { api, key } = useApp();
  const path = useTenant();
  const [progress, setProgress] = useState<Progress<ScanRun> | null>(null);
  useEffect(() => {
    if (!scan) return;
    let state = initialProgress<ScanRun>(scan);
    setProgress(state);
    if (scan.status === 'completed' || scan.status === 'failed') return;
    const controller = new AbortController();
    const k = key();
    void followEventStream({
      url: `${api.base}/api/v1/orgs/${encodeURIComponent(path.org_id)}/projects/${encodeURIComponent(path.project_id)}/audit/scans/${scan.id}/events`,
      headers: k ? { authorization: `Bearer ${k}` } : {},
      signal: controller.signal,
      finished: () => state.final !== null,
      onEvent: (event) => {
        state = applyScanEvent(state, event);
        setProgress(state);
      },
      onRefused: () => undefined,
    });
    return () => controller.abort();
  }, [scan?.id]);
  return progress;
}

export function ScanPage({ id }: { id: string }) {
  const { api } = useApp();
  const path = useTenant();
  const [scan, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/scans/{scan_id}', { params: { path: { ...path, scan_id: id } }, signal }), [id]);
  const progress = useScanProgress(scan.state === 'ready' ? scan.data : null);
  const run = progress?.final?.run ?? (scan.state === 'ready' ? scan.data : null);
  const status = progress?.final?.status ?? run?.status;
  return (
    <>
      <PageTitle>Scan</PageTitle>
      <Show value={scan} what="the scan" retry={retry}>
        {(detail) => (
          <>
            <dl class="facts">
              <dt>URL</dt>
              <dd>{detail.url}</dd>
              <dt>Status</dt>
              <dd>{status && <Badge kind="scan" value={status} />}</dd>
              <dt>Started</dt>
              <dd>{formatDate(detail.started_at ?? detail.inserted_at)}</dd>
              <dt>Finished</dt>
              <dd>{formatDate(run?.finished_at)}</dd>
              {detail.links?.temporal_ui && (
                <>
                  <dt>Workflow</dt>
                  <dd>
                    <a href={detail.links.temporal_ui} rel="noreferrer noopener" target="_blank">
                      Open the run in the Temporal Web UI
                    </a>
                  </dd>
                </>
              )}
            </dl>
            <section aria-labelledby="slots">
              <h2 id="slots">Scanners</h2>
              <ul class="slots" aria-live="polite">
                {progress &&
                  slotList(progress).map(({ scanner, slot }) => (
                    <li key={scanner} data-scanner={scanner}>
                      <span class="slot-name">{scanner}</span> <Badge kind="slot" value={slot.status} />
                      {slot.error && <span class="muted"> {slot.error}</span>}
                    </li>
                  ))}
                {progress?.analysis && (
                  <li data-scanner="analysis">
                    <span class="slot-name">AI review</span> <Badge kind="slot" value={progress.analysis.status} />
                    {progress.analysis.reason && <span class="muted"> {progress.analysis.reason}</span>}
                  </li>
                )}
              </ul>
              {run?.failure_reason && <ErrorNote message={`The scan failed: ${run.failure_reason}`} />}
            </section>
            {run && status === 'completed' && <ScanSummary run={run} />}
          </>
        )}
      </Show>
    </>
  );
}

function ScanSummary({ run }: { run: ScanRun }) {
  const s = run.summary;
  const bySeverity = s.counts?.by_severity as Record<string, number> | undefined;
  return (
    <section aria-labelledby="summary">
      <h2 id="summary">Summary</h2>
      {s.summary && <p>{s.summary}</p>}
      <dl class="facts">
        <dt>Health score</dt>
        <dd>{typeof s.health_score === 'number' ? Math.round(s.health_score) : '—'}</dd>
        <dt>Findings</dt>
        <dd>{s.findings_total ?? 0}</dd>
        {bySeverity &&
          Object.entries(bySeverity).map(([k, v]) => (
            <>
              <dt key={`${k}-t`}>{label(k)}</dt>
              <dd key={`${k}-d`}>{v}</dd>
            </>
          ))}
      </dl>
      <p>
        <a href={href('findings', { scan_id: run.id })}>The findings this scan saw</a>
      </p>
      <Notice message={null} />
    </section>
  );
}
