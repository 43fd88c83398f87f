import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type Task, type Verification } from '../api/client';
import { dueLabel, formatDate, label } from '../lib/format';
import { href } from '../lib/route';
import { Badge, Empty, ErrorNote, Notice, PageTitle, Show, useApp, useLoad, useTenant } from '../ui';

const COLUMNS = ['backlog', 'in_progress', 'blocked', 'ready_verify', 'done'] as const satisfies readonly Task['status'][];
/** Where a task may be moved by hand (src/domain/lifecycle.ts); done comes from an approval. */
const MOVES: Record<Task['status'], Task['status'][]> = {
  backlog: ['in_progress', 'blocked'],
  in_progress: ['backlog', 'blocked', 'ready_verify'],
  blocked: ['backlog', 'in_progress'],
  ready_verify: ['in_progress', 'blocked'],
  done: [],
};

export function TasksPage() {
  const { api } = useApp();
  const path = useTenant();
  // The board shows the 200 newest tasks: a board of more is not read, it is filtered.
  const [tasks, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/tasks', { params: { path, query: { limit: 200 } }, signal }), []);
  const now = Date.now();
  return (
    <>
      <PageTitle>Tasks</PageTitle>
      <Show value={tasks} what="tasks" retry={retry}>
        {(list) =>
          list.length === 0 ? (
            <Empty>No task yet: open a finding and create one.</Empty>
          ) : (
            <div class="board">
              {COLUMNS.map((status) => {
                const column = list.filter((t) => t.status === status);
                return (
                  <section key={status} class="column" aria-labelledby={`col-${status}`}>
                    <h2 id={`col-${status}`}>
                      {label(status)} <span class="muted">({column.length})</span>
                    </h2>
                    {column.length === 0 ? (
                      <p class="muted">None</p>
                    ) : (
                      <ul>
                        {column.map((t) => {
                          const due = dueLabel(t.sla_due_at, now);
                          return (
                            <li key={t.id} class="card">
                              <a href={href(`tasks/${t.id}`)}>{t.title}</a>
                              <div>
                                <Badge kind="prio" value={t.priority} /> {status !== 'done' && <span class={due.overdue ? 'overdue' : 'muted'}>{due.text}</span>}
                              </div>
                            </li>
                          );
                        })}
                      </ul>
                    )}
                  </section>
                );
              })}
            </div>
          )
        }
      </Show>
    </>
  );
}

export function TaskPage({ id }: { id: string }) {
  const { api, canWrite } = useApp();
  const path = useTenant();
  const [task, retry] = useLoad((signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/tasks/{task_id}', { params: { path: { ...path, task_id: id } }, signal }), [id]);
  const [verifications, reloadVerifications] = useLoad(
    (signal) => api.client.GET('/api/v1/orgs/{org_id}/projects/{project_id}/audit/verifications', { params: { path, query: { limit: 200 } }, signal }),
    [id],
  );
  const [notice, setNotice] = useState<{ text: string; tone: 'ok' | 'bad' } | null>(null);
  const mine = verifications.state === 'ready' ? verifications.data.filter((v) => v.task_id === id) : [];
  const running = mine.find((v) => v.result === 'pending');

  // Watch a running verification: its workflow records passed or failed in a few seconds.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(reloadVerifications, 1500);
    return () => clearInterval(timer);
  }, [running?.id]);
  useEffect(() => {
    if (!running) retry();
  }, [running?.id]);

  const act = async (what: string, call: () => Promise<{ data?: unknown; error?: unknown; response: Response }>) => {
    const res = await call();
    if (res.data) {
      setNotice({ text: what, tone: 'ok' });
      retry();
      reloadVerifications();
    } else setNotice({ text: errorMessage(res.error, res.response.status), tone: 'bad' });
  };

  return (
    <>
      <PageTitle>Task</PageTitle>
      <Notice message={notice?.text ?? null} tone={notice?.tone ?? 'ok'} />
      <Show value={task} what="the task" retry={retry}>
        {(t) => (
          <>
            <h2 class="finding-title">{t.title}</h2>
            <dl class="facts">
              <dt>Status</dt>
              <dd>
                <Badge kind="task" value={t.status} />
              </dd>
              <dt>Priority</dt>
              <dd>{t.priority}</dd>
              <dt>SLA due</dt>
              <dd>{formatDate(t.sla_due_at)}</dd>
              <dt>Finding</dt>
              <dd>
                <a href={href(`findings/${t.finding_id}`)}>Open the finding</a>
              </dd>
              {t.pr_url && (
                <>
                  <dt>Pull request</dt>
                  <dd>
                    <a href={t.pr_url} rel="noreferrer noopener" target="_blank">
                      {t.pr_url}
                    </a>
                  </dd>
                </>
              )}
            </dl>
            {canWrite && MOVES[t.status].length > 0 && (
              <div class="actions" role="group" aria-label="Move the task">
                {MOVES[t.status].map((to) => (
                  <button
                    key={to}
                    type="button"
                    onClick={() =>
                      act(`Moved to ${label(to)}.`, () =>
                        api.client.PATCH('/api/v1/orgs/{org_id}/projects/{project_id}/audit/tasks/{task_id}', { params: { path: { ...path, task_id: t.id } }, body: { status: to } }),
                      )
                    }
                  >
                    Move to {label(to)}
                  </button>
                ))}
              </div>
            )}
            <section aria-labelledby="verifications">
              <h2 id="verifications">Verification</h2>
              {canWrite && t.status !== 'done' && (
                <button
                  type="button"
                  disabled={!!running}
                  onClick={() =>
                    act('Verification started.', () => api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/verifications/run', { params: { path }, body: { task_id: t.id } }))
                  }
                >
                  {running ? 'Verifying…' : 'Run verification'}
                </button>
              )}
              <Show value={verifications} what="verifications" retry={reloadVerifications}>
                {() =>
                  mine.length === 0 ? (
                    <Empty>Not verified yet.</Empty>
                  ) : (
                    <ul class="verifications">
                      {mine.map((v) => (
                        <VerificationItem key={v.id} v={v} canDecide={canWrite && t.status !== 'done'} act={act} />
                      ))}
                    </ul>
                  )
                }
              </Show>
            </section>
          </>
        )}
      </Show>
    </>
  );
}

function VerificationItem({ v, canDecide, act }: { v: Verification; canDecide: boolean; act: (what: string, call: () => Promise<{ data?: unknown; error?: unknown; response: Response }>) => void }) {
  const { api } = useApp();
  const path = useTenant();
  const decided = v.verified_at || v.reopened_at;
  const params = { params: { path: { ...path, verification_id: v.id } } };
  return (
    <li class="card" data-verification={v.result}>
      <p>
        <Badge kind="verify" value={v.result} /> started {formatDate(v.created_at)}
        {v.verified_at && `, approved ${formatDate(v.verified_at)}`}
        {v.reopened_at && `, reopened ${formatDate(v.reopened_at)}`}
      </p>
      <ul>
        {v.checks.map((c) => (
          <li key={c.key}>
            <code>{c.key}</code>: {c.before} → {c.after}
            {c.detail && <span class="muted"> ({c.detail})</span>}
          </li>
        ))}
      </ul>
      {canDecide && !decided && v.result !== 'pending' && (
        <div class="actions">
          {v.result === 'passed' && (
            <button type="button" onClick={() => act('Approved: the task and its finding are closed.', () => api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/verifications/{verification_id}/approve', params))}>
              Approve
            </button>
          )}
          <button type="button" onClick={() => act('Reopened: the fix did not hold.', () => api.client.POST('/api/v1/orgs/{org_id}/projects/{project_id}/audit/verifications/{verification_id}/reopen', params))}>
            Reopen
          </button>
        </div>
      )}
      {v.result === 'pending' && (
        <p class="muted" role="status">
          Checking the page again…
        </p>
      )}
    </li>
  );
}
