/**
 * Live progress of a scan from its event stream (GET …/scans/:id/events, docs/api.md): the
 * stream starts with the current state, then sends `scanner` and `analysis` changes, then a final
 * `completed` or `failed` carrying the run. Event data is parsed defensively: a malformed event
 * is skipped, never trusted.
 */
export const SCANNERS = ['performance', 'security', 'seo', 'accessibility'] as const;
export type Scanner = (typeof SCANNERS)[number];
export type SlotStatus = 'pending' | 'running' | 'done' | 'failed';
export interface Slot {
  status: SlotStatus;
  error?: string;
}
export interface Stage {
  status: 'pending' | 'running' | 'done' | 'failed' | 'skipped';
  reason?: string;
}

export interface Progress<Run> {
  slots: Partial<Record<Scanner, Slot>>;
  analysis: Stage | null;
  /** Set by the final event: the run as GET scans/:id serialises it. */
  final: { status: 'completed' | 'failed'; run: Run } | null;
  lastEventId: string | null;
}

export function initialProgress<Run>(seed?: { scanner_status?: Partial<Record<string, Slot>>; analysis?: Stage | null }): Progress<Run> {
  const slots: Partial<Record<Scanner, Slot>> = {};
  for (const s of SCANNERS) {
    const slot = seed?.scanner_status?.[s];
    if (slot && isSlotStatus(slot.status)) slots[s] = slot;
  }
  return { slots, analysis: seed?.analysis ?? null, final: null, lastEventId: null };
}

const SLOT_STATUSES: readonly string[] = ['pending', 'running', 'done', 'failed'];
const STAGE_STATUSES: readonly string[] = ['pending', 'running', 'done', 'failed', 'skipped'];
const isSlotStatus = (v: unknown): v is SlotStatus => typeof v === 'string' && SLOT_STATUSES.includes(v);
const isScanner = (v: unknown): v is Scanner => typeof v === 'string' && (SCANNERS as readonly string[]).includes(v);
/** Error texts come from pages the scanner visited: bounded before they reach the screen. */
const MAX_TEXT = 500;
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v.slice(0, MAX_TEXT) : undefined);

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function applyScanEvent<Run>(state: Progress<Run>, event: { event?: string | undefined; data: string; id?: string | undefined }): Progress<Run> {
  const next: Progress<Run> = { ...state, lastEventId: event.id ?? state.lastEventId };
  const data = parse(event.data);
  if (!data) return next;
  switch (event.event) {
    case 'scanner': {
      if (!isScanner(data.scanner) || !isSlotStatus(data.status)) return next;
      const error = text(data.error);
      // A slot that is done or failed stays so: an out-of-order replay never moves it back.
      const current = state.slots[data.scanner];
      if (current && (current.status === 'done' || current.status === 'failed') && (data.status === 'pending' || data.status === 'running')) return next;
      return { ...next, slots: { ...state.slots, [data.scanner]: { status: data.status, ...(error !== undefined ? { error } : {}) } } };
    }
    case 'analysis': {
      if (typeof data.status !== 'string' || !STAGE_STATUSES.includes(data.status)) return next;
      const reason = text(data.reason);
      return { ...next, analysis: { status: data.status as Stage['status'], ...(reason !== undefined ? { reason } : {}) } };
    }
    case 'completed':
    case 'failed': {
      const slots = { ...state.slots };
      const runSlots = data.scanner_status;
      if (typeof runSlots === 'object' && runSlots !== null) {
        for (const [name, slot] of Object.entries(runSlots as Record<string, unknown>)) {
          const s = slot as Record<string, unknown> | null;
          if (isScanner(name) && s && isSlotStatus(s.status)) slots[name] = { status: s.status, ...(text(s.error) !== undefined ? { error: text(s.error)! } : {}) };
        }
      }
      return { ...next, slots, final: { status: event.event, run: data as Run } };
    }
    default:
      return next;
  }
}

/** Scanners in display order, with what the run asked for. */
export function slotList(progress: Progress<unknown>): Array<{ scanner: Scanner; slot: Slot }> {
  return SCANNERS.filter((s) => progress.slots[s]).map((scanner) => ({ scanner, slot: progress.slots[scanner]! }));
}
