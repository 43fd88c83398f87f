import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type Report } from '../api/client';
import { verifyEvidence, type EvidenceCheck } from '../lib/dsse';
import { formatDate } from '../lib/format';
import { Badge, Empty, ErrorNote, Notice, PageTitle, Show, useApp, useLoad, useTenant } from '../ui';

const FORMATS = ['pdf', 'html', 'json', 'csv', 'sarif'] as const satisfies readonly Report['format'][];

export function ReportsPage() {
  const { api, canWrite } = useApp();
  const path = useTenant();
  const [reports, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/reports', { params: { path, query: { limit: 50 } }, signal }), []);
  const [format, setFormat] = useState<(typeof FORMATS)[number]>('pdf');
  const [notice, setNotice] = useState<{ text: string; tone: 'ok' | 'bad' } | null>(null);
  // The link is shown once, as a link a person can open or copy: the API never shows it again.
  const [shared, setShared] = useState<{ url: string; expiresAt: string | null } | null>(null);
  const working = reports.state === 'ready' && reports.data.some((r) => r.status === 'queued' || r.status === 'exporting');

  // Progress of an export: its workflow renders and signs it in seconds.
  useEffect(() => {
    if (!working) return;
    const timer = setInterval(retry, 1500);
    return () => clearInterval(timer);
  }, [working]);

  return (
    <>
      <PageTitle>Reports</PageTitle>
      {canWrite && (
        <form
          class="inline"
          onSubmit={async (e) => {
            e.preventDefault();
            const res = await api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/reports/export', { params: { path }, body: { format } });
            if (res.data) {
              setNotice({ text: `Exporting a ${format.toUpperCase()} report…`, tone: 'ok' });
              retry();
            } else setNotice({ text: errorMessage(res.error, res.response.status), tone: 'bad' });
          }}
        >
          <label>
            Format{' '}
            <select value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as typeof format)}>
              {FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f.toUpperCase()}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Export</button>
          {canWrite && (
            <button
              type="button"
              onClick={async () => {
                const res = await api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/reports/share', { params: { path }, body: { channel: 'link' } });
                if (res.data?.data.share_url) {
                  setShared({ url: res.data.data.share_url, expiresAt: res.data.data.share_expires_at });
                  setNotice({ text: 'Share link created: copy it now, it is shown only once.', tone: 'ok' });
                } else {
                  setShared(null);
                  setNotice({ text: errorMessage(res.error, res.response.status), tone: 'bad' });
                }
                retry();
              }}
            >
              Share the latest
            </button>
          )}
        </form>
      )}
      <Notice message={notice?.text ?? null} tone={notice?.tone ?? 'ok'} />
      {shared && (
        <p class="share-link">
          Share link, valid until {formatDate(shared.expiresAt)}:{' '}
          <a href={shared.url} rel="noreferrer noopener" target="_blank">
            {shared.url}
          </a>
        </p>
      )}
      <Show value={reports} what="reports" retry={retry}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No report yet{canWrite ? ': export one above.' : '.'}</Empty>
          ) : (
            <ul class="reports">
              {list.map((r) => (
                <ReportItem key={r.id} report={r} />
              ))}
            </ul>
          )
        }
      </Show>
    </>
  );
}

function ReportItem({ report }: { report: Report }) {
  const { api } = useApp();
  const path = useTenant();
  const [check, setCheck] = useState<EvidenceCheck | 'checking' | null>(null);
  const ready = report.status === 'exported' || report.status === 'shared';
  const url = report.snapshot.export_url;
  return (
    <li class="card" data-report={report.format}>
      <p>
        <strong>{report.format.toUpperCase()}</strong> <Badge kind="report" value={report.status} /> {report.period_start} – {report.period_end}
        {report.exported_at && <span class="muted"> · exported {formatDate(report.exported_at)}</span>}
      </p>
      {report.failure_reason && <ErrorNote message={report.failure_reason} />}
      {ready && (
        <div class="actions">
          {url && (
            <a class="button" href={url} download rel="noreferrer">
              Download {report.format.toUpperCase()}
            </a>
          )}
          <button
            type="button"
            onClick={async () => {
              setCheck('checking');
              const [evidence, key] = await Promise.all([
                api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/reports/{report_id}/evidence', { params: { path: { ...path, report_id: report.id } } }),
                api.client.GET('/api/v1/signing-key'),
              ]);
              if (!evidence.data || !key.data) return setCheck({ ok: false, reason: errorMessage(evidence.error ?? key.error, (evidence.data ? key : evidence).response.status) });
              setCheck(await verifyEvidence(evidence.data.data.envelope, key.data.data.public_key_pem));
            }}
          >
            Check the evidence
          </button>
        </div>
      )}
      {report.sha256 && (
        <p class="muted">
          SHA-256 <code class="hash">{report.sha256}</code>
        </p>
      )}
      <p role="status" aria-live="polite">
        {check === 'checking' ? 'Checking…' : check?.ok ? `The evidence verifies: signed by this instance's key ${check.keyId.slice(0, 12)}….` : check ? `Does not verify: ${check.reason}.` : ''}
      </p>
    </li>
  );
}
