import { AsyncLocalStorage } from 'node:async_hooks';
import { Agent, Dispatcher1Wrapper, type Dispatcher } from 'undici';
import { defaultResolve, guardedLookup, type Resolver } from '../gather/safe-fetch.ts';
import type { HostAllowlist } from '../gather/ssrf/host-allowlist.ts';

/** What the transport needs to judge where a tracker SDK may connect: the scan targets' guard. */
export interface TransportGuard {
  allowlist: HostAllowlist;
  resolve?: Resolver;
}

/**
 * The HTTP transport under one tracker client: every connection it opens resolves its host name
 * through the SSRF guard at connect time (src/gather/safe-fetch.ts guardedLookup) and dials only
 * the addresses the guard judged, so a name that resolved to a public address when the base URL
 * was checked and to 127.0.0.1 or a metadata address now (DNS rebinding) is refused before a
 * packet is sent. IP-literal base URLs never reach a lookup; checkTrackerBaseUrl judged them.
 */
export interface TrackerTransport {
  /** Node's fetch through the guarded agent: redirects answered as they are (never followed, they would carry the token), each request bounded. */
  fetch: typeof fetch;
  /** The guarded agent as Node's built-in fetch takes it (`dispatcher` in its init): for SDKs that take a dispatcher. */
  dispatcher: Dispatcher;
  /**
   * Runs `fn` with the global fetch routed through this transport, for the calls an SDK makes to
   * `globalThis.fetch` with no hook to pass a fetch or a dispatcher (jira.js). Only calls made
   * inside `fn` (its async continuation) are routed; the rest of the process is untouched.
   */
  scope<R>(fn: () => Promise<R>): Promise<R>;
  /** The guard's refusal since the last call of this, if a connection was refused. */
  takeRefusal(): string | undefined;
  close(): Promise<void>;
}

const scoped = new AsyncLocalStorage<TrackerTransport>();
/** Marks a routing wrapper, and holds the fetch it wraps. */
const ROUTED = Symbol.for('sitewarden.trackerTransport.routedFetch');
type Routed = typeof fetch & { [ROUTED]?: typeof fetch };

/**
 * Routes globalThis.fetch through the transport of the current scope, if any, and answers the
 * fetch it wraps. Checked before each scoped call: should anything replace globalThis.fetch later,
 * it is wrapped again rather than letting a scoped call out unguarded.
 */
function ensureRouted(): typeof fetch {
  const current = globalThis.fetch as Routed;
  const wrapped = current[ROUTED];
  if (wrapped) return wrapped;
  const routed: Routed = (input, init) => {
    const transport = scoped.getStore();
    return transport ? transport.fetch(input, init) : current(input, init);
  };
  routed[ROUTED] = current;
  globalThis.fetch = routed;
  return current;
}

/** An AbortSignal that fires after `ms` on an unref'd timer (AbortSignal.timeout keeps a process open while fetch listens). */
export function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException(`no answer within ${ms} ms`, 'TimeoutError')), ms).unref();
  return controller.signal;
}

export function createTrackerTransport({ allowlist, resolve = defaultResolve }: TransportGuard, requestTimeoutMs: number): TrackerTransport {
  let refusal: string | undefined;
  const lookup = guardedLookup(allowlist, resolve);
  const agent = new Agent({
    connect: {
      lookup: (hostname, options, callback) =>
        lookup(hostname, options, (error: NodeJS.ErrnoException | null, ...rest: unknown[]) => {
          // Duck-typed: the SafeFetchError may come from another realm under jest.
          if (error && (error as { code?: unknown }).code === 'refused') refusal = error.message;
          (callback as (...args: unknown[]) => void)(error, ...rest);
        }),
    },
  });
  // Node's built-in fetch speaks the older dispatcher interface: the undici package's wrapper
  // adapts its Agent (Node's fetch refuses the bare Agent: "invalid onRequestStart method").
  const dispatcher = new Dispatcher1Wrapper(agent);
  // Node's own fetch, never the routed one: that would come back here.
  const base = ensureRouted();

  const guardedFetch = ((input: Parameters<typeof fetch>[0], init: RequestInit = {}) => {
    const signals = [deadline(requestTimeoutMs), ...[init.signal, input instanceof Request ? input.signal : undefined].filter((s): s is AbortSignal => !!s)];
    // Outside the scope: a fetch that something put in front of ours, and that calls back into
    // the routed one, must reach Node's fetch (with the guarded dispatcher), not come back here.
    return scoped.exit(() => base(input, { ...init, redirect: 'manual', signal: AbortSignal.any(signals), dispatcher } as RequestInit));
  }) as typeof fetch;

  const transport: TrackerTransport = {
    fetch: guardedFetch,
    dispatcher,
    scope: (fn) => {
      ensureRouted();
      return scoped.run(transport, fn);
    },
    takeRefusal() {
      const seen = refusal;
      refusal = undefined;
      return seen;
    },
    close: () => agent.close(),
  };
  return transport;
}
