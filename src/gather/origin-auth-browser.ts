import { credentialHeadersFor, originOf, type OriginAuth } from '../domain/site-auth.ts';
import type { BrowserEndpoint } from './browser.ts';

/**
 * A project's site-auth credentials in a running Chromium, for its own origin only
 * (docs/site-auth.md). One browser-level DevTools session auto-attaches to every page the browser
 * opens, Lighthouse's and Playwright's alike, before the page runs (waitForDebuggerOnStart), and
 * pauses each of its requests (Fetch domain, request stage): a request to the origin continues
 * with the credential headers added; any other continues without them.
 *
 * Why not the usual ways:
 * - Lighthouse's extraHeaders and Playwright's extraHTTPHeaders go with every request, third
 *   parties' included;
 * - cookies in the browser's jar are scoped by host, not origin: another port of the same host
 *   would get them;
 * - Playwright's page.route carries a continued request's headers over to the redirects it
 *   follows, wherever they lead.
 * Chromium pauses every redirect hop here as a request of its own, so each hop is judged by its
 * own URL, and a hop away from the origin has the credential headers taken off again. A request
 * to another port or scheme of the same host goes with an empty Cookie header in place of the
 * jar's, which would carry the cookies the site set in this browser.
 */

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  error?: { message?: string };
}

export interface OriginAuthSession {
  /** Requests that were given the credentials, and those that were not (tests, benchmarks). */
  readonly counts: { withCredentials: number; without: number };
  close(): void;
}

export async function applyOriginAuth(browser: BrowserEndpoint, auth: OriginAuth): Promise<OriginAuthSession> {
  const host = new URL(auth.origin).hostname;
  const version = (await (await fetch(`http://127.0.0.1:${browser.port}/json/version`)).json()) as { webSocketDebuggerUrl?: string };
  if (!version.webSocketDebuggerUrl) throw new Error('Chromium named no DevTools endpoint');
  const socket = new WebSocket(version.webSocketDebuggerUrl);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('could not open a DevTools session for the site-auth credentials')), { once: true });
  });
  const credentialNames = new Set(Object.keys(credentialHeadersFor(auth, `${auth.origin}/`)).concat('cookie'));
  const counts = { withCredentials: 0, without: 0 };
  let nextId = 0;
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<void> => {
    const id = ++nextId;
    socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
  };
  // A paused request left unanswered would hang its page: every one is continued, errors ignored
  // (its page may be closing).
  const quietly = (work: Promise<void>) => void work.catch(() => {});

  socket.addEventListener('message', (event) => {
    const message = JSON.parse(String(event.data)) as CdpMessage;
    if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(message.error.message ?? 'DevTools error'));
      else waiter?.resolve();
      return;
    }
    if (message.method === 'Target.attachedToTarget') {
      const { sessionId, targetInfo } = message.params as { sessionId: string; targetInfo: { type: string } };
      // Pages only: requests of workers and out-of-process frames of other origins go without
      // the credentials (a missing credential, never a leaked one).
      const ready = targetInfo.type === 'page' ? send('Fetch.enable', { patterns: [{ urlPattern: '*', requestStage: 'Request' }] }, sessionId) : Promise.resolve();
      quietly(ready.finally(() => send('Runtime.runIfWaitingForDebugger', {}, sessionId)));
      return;
    }
    if (message.method === 'Fetch.requestPaused' && message.sessionId) {
      const { requestId, request } = message.params as { requestId: string; request: { url: string; headers: Record<string, string> } };
      const added = credentialHeadersFor(auth, request.url);
      // Another port or scheme of the origin's host: the jar (per host) would add the cookies the
      // site set in this browser (a login's session, a rolling session cookie). An explicit empty
      // Cookie header takes the jar's place.
      if (originOf(request.url) !== auth.origin && URL.parse(request.url)?.hostname === host) added.cookie = '';
      // The request's own headers without any credential name: a redirect hop may have kept
      // those added to the hop before it.
      const kept = Object.entries(request.headers).filter(([name]) => !credentialNames.has(name.toLowerCase()));
      const carried = kept.length !== Object.keys(request.headers).length;
      if (originOf(request.url) === auth.origin && Object.keys(added).length) counts.withCredentials++;
      else counts.without++;
      if (!Object.keys(added).length && !carried) {
        quietly(send('Fetch.continueRequest', { requestId }, message.sessionId));
        return;
      }
      const headers = [...kept, ...Object.entries(added)].map(([name, value]) => ({ name, value }));
      // Refused (a header Chromium will not send): the request fails rather than go without them
      // as it came, which may be with credentials carried from a hop before.
      quietly(
        send('Fetch.continueRequest', { requestId, headers }, message.sessionId).catch(() =>
          send('Fetch.failRequest', { requestId, errorReason: 'Failed' }, message.sessionId),
        ),
      );
    }
  });
  socket.addEventListener('close', () => {
    for (const waiter of pending.values()) waiter.reject(new Error('DevTools session closed'));
    pending.clear();
  });

  try {
    await send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: true });
  } catch (error) {
    socket.close();
    throw error;
  }
  return { counts, close: () => socket.close() };
}
