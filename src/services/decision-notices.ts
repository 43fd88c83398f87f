import { z } from 'zod';
import type { PgListener } from '../platform/pg-listener.ts';
import { DECISION_CHANNEL, type DecidedFields, type DecisionOutcome } from './verification-decisions.ts';

const instant = z.iso.datetime().transform((value) => new Date(value));
const notice = z.object({
  requestId: z.string().max(100),
  outcome: z.union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), message: z.string().max(2_000) })]),
  verification: z
    .object({
      result: z.enum(['pending', 'passed', 'failed']),
      verified_by_id: z.string().max(100).nullable(),
      verified_at: instant.nullable(),
      reopened_at: instant.nullable(),
      updated_at: instant,
    })
    .optional(),
});

/** A decision's outcome as its transaction announced it; an applied one with the row's decided fields as committed. */
export type HeardOutcome = DecisionOutcome & { verification?: DecidedFields };

export interface PendingDecision {
  /** The outcome the decision's transaction announced; null on timeout or a lost LISTEN connection. */
  outcome: Promise<HeardOutcome | null>;
  cancel(): void;
}

/**
 * Waiting for decisions without polling: each decision's transaction NOTIFYs its request id
 * (verification-decisions.ts); every waiter of the process hears it on the one shared LISTEN
 * connection. `expect` before sending the signal, so the notice cannot come first.
 */
export function createDecisionNotices(listener: PgListener) {
  const waiting = new Map<string, (outcome: HeardOutcome | null) => void>();
  let subscribed: Promise<unknown> | undefined;

  const onNotice = (payload: string) => {
    let parsed: z.infer<typeof notice> | undefined;
    try {
      parsed = notice.parse(JSON.parse(payload));
    } catch {
      return; // not one of ours
    }
    waiting.get(parsed.requestId)?.(parsed.verification ? { ...parsed.outcome, verification: parsed.verification } : parsed.outcome);
  };
  // One handler for the process (a Set in the listener): subscribing again after a loss adds none.
  const subscribe = () =>
    (subscribed ??= listener.listen(DECISION_CHANNEL, onNotice).catch((err: unknown) => {
      subscribed = undefined;
      throw err;
    }));
  listener.onLost(() => {
    subscribed = undefined;
    for (const resolve of waiting.values()) resolve(null);
  });

  return {
    async expect(requestId: string, timeoutMs: number): Promise<PendingDecision> {
      let listening = true;
      try {
        await subscribe();
      } catch {
        listening = false; // the database is unreachable for LISTEN: only the fallback read remains
      }
      let timer: NodeJS.Timeout | undefined;
      let settle!: (outcome: HeardOutcome | null) => void;
      const outcome = new Promise<HeardOutcome | null>((resolve) => {
        settle = (value) => {
          clearTimeout(timer);
          waiting.delete(requestId);
          resolve(value);
        };
      });
      if (listening) {
        waiting.set(requestId, settle);
        timer = setTimeout(() => settle(null), timeoutMs);
      } else {
        timer = setTimeout(() => settle(null), Math.min(timeoutMs, 1_000));
      }
      return { outcome, cancel: () => settle(null) };
    },
  };
}

export type DecisionNotices = ReturnType<typeof createDecisionNotices>;
