import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api/client';
import { errorMessage } from './api/client';

export interface Ctx {
  api: Api;
  key: () => string | null;
  orgId: string;
  projectId: string;
  canWrite: boolean;
  /** Bumped when a change elsewhere should make views reload. */
  refresh: () => void;
}

export const AppContext = createContext<Ctx | null>(null);
export function useApp(): Ctx {
  const ctx = useContext(AppContext);
  if (!ctx) throw new Error('outside the app');
  return ctx;
}

/** The audit path parameters of every call. */
export function useTenant() {
  const { orgId, projectId } = useApp();
  return { org_id: orgId, project_id: projectId };
}

export type Loaded<T> = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; data: T; meta?: { total?: number } };

/**
 * Runs an openapi-fetch call whenever `deps` change; a newer call wins over a slower older one.
 */
export function useLoad<T>(
  run: (signal: AbortSignal) => Promise<{ data?: { data: T; meta?: unknown } | undefined; error?: unknown; response: Response }>,
  deps: unknown[],
): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ state: 'loading' });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((s) => (s.state === 'ready' ? s : { state: 'loading' }));
    run(controller.signal)
      .then(({ data, error, response }) => {
        if (controller.signal.aborted) return;
        if (data) setState({ state: 'ready', data: data.data, meta: data.meta as { total?: number } });
        else setState({ state: 'error', message: errorMessage(error, response.status) });
      })
      .catch((err: unknown) => {
        if (!controller.signal.aborted) setState({ state: 'error', message: err instanceof Error && err.name !== 'TypeError' ? err.message : 'The server did not answer.' });
      });
    return () => controller.abort();
  }, [...deps, tick]);
  return [state, () => setTick((t) => t + 1)];
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status" aria-live="polite">
      Loading {what}…
    </p>
  );
}

export function ErrorNote({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {retry && (
        <button type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

/** Shows a Loaded value's loading and error states; the children get the data. */
export function Show<T>({ value, what, retry, children }: { value: Loaded<T>; what: string; retry?: () => void; children: (data: T, meta?: { total?: number }) => ComponentChildren }) {
  if (value.state === 'loading') return <Loading what={what} />;
  if (value.state === 'error') return <ErrorNote message={value.message} {...(retry ? { retry } : {})} />;
  return <>{children(value.data, value.meta)}</>;
}

/** The page heading takes focus on navigation, so screen readers announce the new view. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${ref.current?.textContent ?? ''} · Sitewarden`;
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}

export function Badge({ kind, value }: { kind: string; value: string }) {
  return <span class={`badge ${kind}-${value}`}>{value.replace(/_/g, ' ')}</span>;
}

/** A polite live region for results of actions ("3 findings moved to triaged"). */
export function Notice({ message, tone = 'ok' }: { message: string | null; tone?: 'ok' | 'bad' }) {
  return (
    <p class={message ? `notice ${tone}` : 'notice'} role={tone === 'bad' ? 'alert' : 'status'} aria-live="polite">
      {message ?? ''}
    </p>
  );
}
