import pg from 'pg';

type Handler = (payload: string) => void;

/**
 * One LISTEN connection for the whole process (a pool connection would be returned and lose its
 * LISTENs). Connects on the first `listen`; after a lost connection the next `listen` reconnects
 * and listens on every channel again. Notifications sent while it was down are lost: `onLost`
 * tells the waiters to fall back to reading what they waited for.
 */
export class PgListener {
  private client: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly lostHandlers = new Set<() => void>();
  private closed = false;

  constructor(private readonly connectionString: string) {}

  /** Resolves once the LISTEN is in place: a NOTIFY committed after that reaches `handler`. */
  async listen(channel: string, handler: Handler): Promise<() => void> {
    if (this.closed) throw new Error('the listener is closed');
    const first = !this.handlers.has(channel);
    if (first) this.handlers.set(channel, new Set());
    this.handlers.get(channel)!.add(handler);
    try {
      const client = await this.connect();
      if (first) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      this.handlers.get(channel)?.delete(handler);
      if (first) this.handlers.delete(channel);
      throw err;
    }
    return () => this.handlers.get(channel)?.delete(handler);
  }

  onLost(handler: () => void): () => void {
    this.lostHandlers.add(handler);
    return () => this.lostHandlers.delete(handler);
  }

  /** The server pid of the LISTEN connection (null when not connected); for diagnostics and tests. */
  async backendPid(): Promise<number | null> {
    const client = await this.client?.catch(() => undefined);
    return (client as unknown as { processID?: number } | undefined)?.processID ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.then((c) => c.end(), () => undefined).catch(() => undefined);
  }

  private connect(): Promise<pg.Client> {
    this.client ??= (async () => {
      const client = new pg.Client({ connectionString: this.connectionString, keepAlive: true });
      client.on('notification', (message) => {
        for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
      });
      const lost = () => {
        if (this.client === pending) this.client = undefined;
        client.removeAllListeners('notification');
        if (!this.closed) for (const handler of this.lostHandlers) handler();
      };
      // An 'error' unhandled would crash the process; either way the connection is gone.
      client.on('error', () => {
        lost();
        client.end().catch(() => undefined);
      });
      client.on('end', lost);
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      return client;
    })();
    const pending = this.client;
    pending.catch(() => {
      if (this.client === pending) this.client = undefined;
    });
    return pending;
  }
}
