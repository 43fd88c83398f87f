import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import './styles.css';
import { createApi, errorMessage, type Schemas } from './api/client';
import { parseRoute, type Route } from './lib/route';
import { checkPastedKey, createSession } from './lib/session';
import { AppContext, ErrorNote, Loading, type Ctx } from './ui';
import { FindingPage, FindingsPage } from './pages/findings';
import { OverviewPage } from './pages/overview';
import { PoliciesPage } from './pages/policies';
import { ReportsPage } from './pages/reports';
import { ScanPage, ScansPage } from './pages/scans';
import { TaskPage, TasksPage } from './pages/tasks';

const session = createSession(window.sessionStorage);

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

type Boot = { state: 'signed_out'; message?: string } | { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; me: Schemas['Me']; projects: Schemas['Project'][] };

function App() {
  const [key, setKey] = useState(session.key());
  const [boot, setBoot] = useState<Boot>(key ? { state: 'loading' } : { state: 'signed_out' });
  const [project, setProject] = useState(session.project());
  const [tick, setTick] = useState(0);
  const route = useRoute();

  const signOut = (message?: string) => {
    session.signOut();
    setKey(null);
    setProject(null);
    setBoot({ state: 'signed_out', ...(message ? { message } : {}) });
  };
  const api = useMemo(() => createApi(session.key, () => signOut('Your key was refused (expired or revoked): sign in again.')), []);

  useEffect(() => {
    if (!key) return;
    let cancelled = false;
    (async () => {
      setBoot({ state: 'loading' });
      const me = await api.client.GET('/api/v1/me');
      if (cancelled || me.response.status === 401) return;
      if (!me.data) return setBoot({ state: 'error', message: errorMessage(me.error, me.response.status) });
      const projects: Schemas['Project'][] = [];
      let cursor: string | undefined;
      // The switcher lists every project: pages of 200 until the cursor runs out (bounded).
      for (let page = 0; page < 20; page++) {
        const res = await api.client.GET('/api/v1/orgs/{org_id}/projects', { params: { path: { org_id: me.data.data.org_id }, query: { limit: 200, ...(cursor ? { cursor } : {}) } } });
        if (cancelled) return;
        if (!res.data) return setBoot({ state: 'error', message: errorMessage(res.error, res.response.status) });
        projects.push(...res.data.data);
        if (!res.data.meta.next_cursor) break;
        cursor = res.data.meta.next_cursor;
      }
      setBoot({ state: 'ready', me: me.data.data, projects });
    })().catch(() => !cancelled && setBoot({ state: 'error', message: 'The server did not answer.' }));
    return () => {
      cancelled = true;
    };
  }, [key]);

  if (boot.state === 'signed_out') {
    return (
      <SignIn
        message={boot.message}
        onKey={(k) => {
          session.signIn(k);
          setKey(k);
        }}
      />
    );
  }
  if (boot.state === 'loading')
    return (
      <main id="main" class="narrow">
        <Loading what="your account" />
      </main>
    );
  if (boot.state === 'error')
    return (
      <main id="main" class="narrow">
        <h1>Sitewarden</h1>
        <ErrorNote message={boot.message} retry={() => setKey(session.key())} />
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </main>
    );

  const projects = boot.projects;
  const current = projects.find((p) => p.id === project) ?? projects[0];
  const ctx: Ctx | null = current
    ? { api, key: session.key, orgId: boot.me.org_id, projectId: current.id, canWrite: boot.me.scopes.includes('audit:write'), refresh: () => setTick((t) => t + 1) }
    : null;

  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="#/">
          Sitewarden
        </a>
        <nav aria-label="Main">
          <ul>
            {(
              [
                ['#/', 'Overview', 'overview'],
                ['#/scans', 'Scans', 'scans'],
                ['#/findings', 'Findings', 'findings'],
                ['#/tasks', 'Tasks', 'tasks'],
                ['#/policies', 'Policies', 'policies'],
                ['#/reports', 'Reports', 'reports'],
              ] as const
            ).map(([to, text, name]) => (
              <li key={to}>
                <a href={to} aria-current={route.name === name || route.name === name.replace(/s$/, '') ? 'page' : undefined}>
                  {text}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="account">
          {projects.length > 0 && (
            <label>
              Project{' '}
              <select
                value={current?.id}
                onChange={(e) => {
                  const id = (e.target as HTMLSelectElement).value;
                  session.setProject(id);
                  setProject(id);
                }}
              >
                {projects.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          <span class="muted key-prefix" title="The signed-in key">
            {boot.me.key_prefix}…
          </span>
          <button type="button" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {ctx ? (
          <AppContext.Provider value={ctx}>
            <Page route={route} key={`${ctx.projectId}:${tick}`} />
          </AppContext.Provider>
        ) : (
          <NoProject orgId={boot.me.org_id} canWrite={boot.me.scopes.includes('audit:write')} api={api} onCreated={(id) => (session.setProject(id), setKey(session.key()))} />
        )}
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  switch (route.name) {
    case 'overview':
      return <OverviewPage />;
    case 'scans':
      return <ScansPage />;
    case 'scan':
      return <ScanPage id={route.id} key={route.id} />;
    case 'findings':
      return <FindingsPage query={route.query} />;
    case 'finding':
      return <FindingPage id={route.id} key={route.id} />;
    case 'tasks':
      return <TasksPage />;
    case 'task':
      return <TaskPage id={route.id} key={route.id} />;
    case 'policies':
      return <PoliciesPage />;
    case 'reports':
      return <ReportsPage />;
    case 'not_found':
      return (
        <>
          <h1>Not found</h1>
          <p>
            There is no such page. <a href="#/">Back to the overview</a>.
          </p>
        </>
      );
  }
}

function SignIn({ message, onKey }: { message?: string | undefined; onKey: (key: string) => void }) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Sign in · Sitewarden';
  }, []);
  return (
    <main id="main" class="narrow signin">
      <h1>Sign in to Sitewarden</h1>
      {message && (
        <p class="error" role="alert">
          {message}
        </p>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const checked = checkPastedKey(value);
          if (!checked.ok) return setProblem(checked.message);
          setValue('');
          onKey(checked.key);
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          required
          value={value}
          aria-describedby="api-key-help"
          aria-invalid={problem ? 'true' : undefined}
          onInput={(e) => setValue((e.target as HTMLInputElement).value)}
        />
        <p id="api-key-help" class="muted">
          Made with <code>sitewarden admin keys create</code>. It is kept in this tab only and sent in a header, never in a URL.
        </p>
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function NoProject({ orgId, canWrite, api, onCreated }: { orgId: string; canWrite: boolean; api: ReturnType<typeof createApi>; onCreated: (id: string) => void }) {
  const [id, setId] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <>
      <h1>No project yet</h1>
      {canWrite ? (
        <form
          onSubmit={async (e) => {
            e.preventDefault();
            const res = await api.client.POST('/api/v1/orgs/{org_id}/projects', { params: { path: { org_id: orgId } }, body: { id } });
            if (res.data) onCreated(res.data.data.id);
            else setProblem(errorMessage(res.error, res.response.status));
          }}
        >
          <label for="project-id">Project slug</label>
          <input id="project-id" value={id} required pattern="[a-z0-9][a-z0-9\-]{0,62}[a-z0-9]?" onInput={(e) => setId((e.target as HTMLInputElement).value)} />
          <button type="submit">Create project</button>
          {problem && (
            <p class="error" role="alert">
              {problem}
            </p>
          )}
        </form>
      ) : (
        <p>This org has no project, and this key may only read. Ask an operator to create one.</p>
      )}
    </>
  );
}

render(<App />, document.getElementById('app')!);
