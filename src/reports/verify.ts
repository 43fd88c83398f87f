import type { KeyObject } from 'node:crypto';
import { keyIdOf, verifyEnvelope } from '../platform/signing.ts';
import { checkSubject, IN_TOTO_PAYLOAD_TYPE, type ExportStatement } from './evidence.ts';

export type EvidenceCheck =
  | { verified: true; key_id: string; subject: string; sha256: string; statement: ExportStatement }
  | { verified: false; reason: string };

/**
 * Checks an artifact (by its SHA-256) against its evidence, offline: the envelope is an in-toto
 * DSSE envelope, one of `keys` signed it, and its statement names this exact artifact. Accepts
 * the bare envelope, `{envelope, statement}` or the API's `{data: {envelope, statement}}`.
 */
export function verifyEvidence(document: unknown, sha256: string, keys: readonly KeyObject[]): EvidenceCheck {
  const envelope = unwrap(document);
  if ((envelope as { payloadType?: unknown })?.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    return { verified: false, reason: `not an in-toto envelope (payloadType must be ${IN_TOTO_PAYLOAD_TYPE})` };
  }
  const signer = keys.find((key) => (envelope as { signatures?: Array<{ keyid?: unknown }> }).signatures?.some((s) => s?.keyid === keyIdOf(key)));
  if (!signer) return { verified: false, reason: `signed by none of the given keys (${keys.map(keyIdOf).join(', ') || 'none'})` };
  const signature = verifyEnvelope(envelope, signer);
  if (!signature.ok) return { verified: false, reason: signature.reason };
  const subject = checkSubject(signature.payload, sha256);
  if (!subject.ok) return { verified: false, reason: subject.reason };
  return { verified: true, key_id: keyIdOf(signer), subject: subject.subject, sha256, statement: subject.statement };
}

function unwrap(document: unknown): unknown {
  const record = (document ?? {}) as Record<string, unknown>;
  const data = (record.data ?? record) as Record<string, unknown>;
  return data.envelope ?? data;
}
