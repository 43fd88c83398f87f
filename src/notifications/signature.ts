import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header a webhook delivery carries: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'Sitewarden-Signature';

export function signatureOf(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signatureHeader(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${signatureOf(secret, timestamp, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * What a receiver runs (docs/notifications.md shows it standalone): the header parses, one `v1`
 * matches in constant time, and the timestamp is within `toleranceSeconds` of now, so a captured
 * request cannot be replayed later. Dedupe on the body's `id` as well: a retry carries the same id.
 */
export function verifySignature(header: string | undefined, body: string, secret: string, toleranceSeconds = 300, now = Date.now()): SignatureCheck {
  if (!header || header.length > 1_000) return { ok: false, reason: 'missing or oversized signature header' };
  const parts = header.split(',').map((p) => p.trim().split('=', 2) as [string, string | undefined]);
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const candidates = parts.filter(([k, v]) => k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => Buffer.from(v!, 'hex'));
  if (!Number.isSafeInteger(t) || candidates.length === 0) return { ok: false, reason: 'malformed signature header' };
  if (Math.abs(now / 1000 - t) > toleranceSeconds) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(signatureOf(secret, t, body), 'hex');
  return candidates.some((c) => timingSafeEqual(c, expected)) ? { ok: true, timestamp: t } : { ok: false, reason: 'signature mismatch' };
}
