/**
 * Checks a report's evidence in the browser, as `sitewarden reports verify` does on a server
 * (src/platform/signing.ts): the DSSE envelope's signature by the instance's Ed25519 key over the
 * pre-authentication encoding, with the key id = SHA-256 of the key's SPKI DER. WebCrypto only.
 */
const enc = new TextEncoder();

export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = enc.encode(payloadType);
  const head = enc.encode(`DSSEv1 ${type.length} `);
  const mid = enc.encode(` ${payload.length} `);
  const out = new Uint8Array(head.length + type.length + mid.length + payload.length);
  out.set(head, 0);
  out.set(type, head.length);
  out.set(mid, head.length + type.length);
  out.set(payload, head.length + type.length + mid.length);
  return out;
}

export function fromBase64(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function pemToDer(pem: string): Uint8Array | null {
  const m = /-----BEGIN PUBLIC KEY-----([\s\S]+?)-----END PUBLIC KEY-----/.exec(pem);
  return m ? fromBase64(m[1]!.replace(/\s+/g, '')) : null;
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** The part of WebCrypto this needs, typed without the DOM lib (the unit tests run it in Node). */
export interface Subtle {
  digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer>;
  importKey(format: 'spki', key: Uint8Array, algorithm: { name: 'Ed25519' }, extractable: false, usages: ['verify']): Promise<unknown>;
  verify(algorithm: { name: 'Ed25519' }, key: never, signature: Uint8Array, data: Uint8Array): Promise<boolean>;
}

export type EvidenceCheck = { ok: true; keyId: string } | { ok: false; reason: string };

export async function verifyEvidence(
  envelope: { payloadType: string; payload: string; signatures: Array<{ keyid: string; sig: string }> },
  publicKeyPem: string,
  subtle: Subtle = globalThis.crypto.subtle as unknown as Subtle,
): Promise<EvidenceCheck> {
  const der = pemToDer(publicKeyPem);
  if (!der) return { ok: false, reason: 'the signing key is not a PEM public key' };
  const keyId = hex(await subtle.digest('SHA-256', der));
  const signature = envelope.signatures.find((s) => s.keyid === keyId);
  if (!signature) return { ok: false, reason: `no signature by the instance key ${keyId.slice(0, 12)}…` };
  const payload = fromBase64(envelope.payload);
  const sig = fromBase64(signature.sig);
  if (!payload || !sig) return { ok: false, reason: 'the envelope is not base64' };
  let key: unknown;
  try {
    key = await subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return { ok: false, reason: 'this browser cannot check Ed25519 signatures' };
  }
  const valid = await subtle.verify({ name: 'Ed25519' }, key as never, sig, pae(envelope.payloadType, payload));
  return valid ? { ok: true, keyId } : { ok: false, reason: 'the signature does not match the report' };
}
