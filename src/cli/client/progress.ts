import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiClient } from './api-client.ts';

/** A scan as GET scans/:id serialises it (the fields the CLI reads). */
export interface ScanSnapshot {
  id: string;
  url: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  scanner_status: Record<string, { status: string; error?: string }>;
  analysis: { status: string; reason?: string } | null;
  summary: Record<string, unknown>;
  failure_reason: string | null;
  workflow_id: string;
  [key: string]: unknown;
}

export const isFinished = (scan: Pick<ScanSnapshot, 'status'>) => scan.status === 'completed' || scan.status === 'failed';

/**
 * Where the CLI learns about a scan's progress: each new state of the scan, the last one
 * finished. The event stream (GET scans/:id/events, sse-progress.ts) or, as its fallback,
 * polling GET scans/:id.
 */
export interface ScanProgressSource {
  watch(scanId: string, signal: AbortSignal): AsyncIterable<ScanSnapshot>;
}

export class PollingProgressSource implements ScanProgressSource {
  constructor(
    private readonly client: ApiClient,
    private readonly intervalMs = 1_000,
  ) {}

  async *watch(scanId: string, signal: AbortSignal): AsyncIterable<ScanSnapshot> {
    let last = '';
    for (;;) {
      signal.throwIfAborted();
      const { data } = await this.client.call<ScanSnapshot>('GET', `scans/${encodeURIComponent(scanId)}`);
      const fingerprint = JSON.stringify([data.status, data.scanner_status, data.analysis]);
      if (fingerprint !== last || isFinished(data)) {
        last = fingerprint;
        yield data;
      }
      if (isFinished(data)) return;
      await pause(this.intervalMs, signal);
    }
  }
}

export interface SlotChange {
  /** A scanner name, or `analysis` for the AI stage. */
  slot: string;
  status: string;
  error?: string;
}

/** What changed between two states of a scan, per slot (scanners in their order, then the AI stage). */
export function slotChanges(previous: ScanSnapshot | undefined, next: ScanSnapshot): SlotChange[] {
  const changes: SlotChange[] = [];
  for (const [slot, state] of Object.entries(next.scanner_status ?? {})) {
    const before = previous?.scanner_status?.[slot];
    if (!before || before.status !== state.status) changes.push({ slot, status: state.status, ...(state.error ? { error: state.error } : {}) });
  }
  const stage = next.analysis;
  if (stage && stage.status !== previous?.analysis?.status && (previous || stage.status !== 'pending')) {
    changes.push({ slot: 'analysis', status: stage.status, ...(stage.reason ? { error: stage.reason } : {}) });
  }
  return changes;
}

/** Receives each state of the scan; `close` once it finished or the wait was given up. */
export interface ProgressReporter {
  update(scan: ScanSnapshot): void;
  close(): Promise<void>;
}

/** CI: one plain line per slot change, on stderr (stdout is the result's). */
export class PlainReporter implements ProgressReporter {
  private previous: ScanSnapshot | undefined;
  constructor(private readonly write: (line: string) => void) {}

  update(scan: ScanSnapshot): void {
    if (!this.previous || this.previous.status !== scan.status) this.write(`scan ${scan.id} ${scan.status}`);
    for (const c of slotChanges(this.previous, scan)) this.write(`  ${c.slot}: ${c.status}${c.error ? ` (${oneLine(c.error)})` : ''}`);
    this.previous = scan;
  }

  async close(): Promise<void> {}
}

export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Waits `ms`, or rejects with the signal's own reason once it aborts (timers' AbortError hides it). */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await sleep(ms, undefined, { signal }).catch(() => signal.throwIfAborted());
}
