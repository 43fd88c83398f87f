import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { decryptSecret, encryptSecret } from './secrets.ts';
import type { Db } from './db.ts';

/**
 * The instance's Ed25519 signing key and DSSE envelopes (https://github.com/secure-systems-lab/dsse).
 * The newest `signing_keys` row is the active key; it is made the first time any process needs
 * it, under an advisory lock so two processes never make two. Its private half is encrypted with
 * the instance secret (secrets.ts); a key id is the SHA-256 of the public key (SPKI DER), hex.
 */
export interface DsseSignature {
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

export interface PublishedKey {
  key_id: string;
  algorithm: 'ed25519';
  public_key_pem: string;
  created_at: string;
}

export interface SigningKeyPair {
  keyId: string;
  privateKey: KeyObject;
}

/** DSSE's pre-authentication encoding: what is actually signed. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

export function signEnvelope(payloadType: string, payload: Buffer, key: SigningKeyPair): DsseEnvelope {
  const sig = sign(null, pae(payloadType, payload), key.privateKey).toString('base64');
  return { payloadType, payload: payload.toString('base64'), signatures: [{ keyid: key.keyId, sig }] };
}

export type EnvelopeCheck = { ok: true; payloadType: string; payload: Buffer } | { ok: false; reason: string };

/** Checks the envelope's shape and that `publicKey` signed it (the signature carrying its key id). */
export function verifyEnvelope(envelope: unknown, publicKey: KeyObject): EnvelopeCheck {
  if (!isEnvelope(envelope)) return { ok: false, reason: 'not a DSSE envelope (payloadType, payload, signatures[])' };
  const keyId = keyIdOf(publicKey);
  const signature = envelope.signatures.find((s) => s.keyid === keyId);
  if (!signature) return { ok: false, reason: `no signature by key ${keyId}` };
  // Base64 decoding is lenient (stray characters, unused bits): only the canonical spelling counts.
  const payload = Buffer.from(envelope.payload, 'base64');
  const sig = Buffer.from(signature.sig, 'base64');
  if (payload.toString('base64') !== envelope.payload) return { ok: false, reason: 'payload is not canonical base64' };
  if (sig.toString('base64') !== signature.sig) return { ok: false, reason: 'signature is not canonical base64' };
  const valid = verify(null, pae(envelope.payloadType, payload), publicKey, sig);
  return valid ? { ok: true, payloadType: envelope.payloadType, payload } : { ok: false, reason: `signature by key ${keyId} does not match the payload` };
}

function isEnvelope(value: unknown): value is DsseEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const { payloadType, payload, signatures } = value as Record<string, unknown>;
  return (
    typeof payloadType === 'string' &&
    typeof payload === 'string' &&
    Array.isArray(signatures) &&
    signatures.every((s) => typeof s === 'object' && s !== null && typeof s.keyid === 'string' && typeof s.sig === 'string')
  );
}

export function publicKeyFromPem(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`expected an Ed25519 public key, got ${key.asymmetricKeyType}`);
  return key;
}

const SEAL_PURPOSE = 'signing_key';
const CREATION_LOCK = 'sitewarden.signing_key';

export class SigningKeyUnavailable extends Error {
  override name = 'SigningKeyUnavailable';
}

/** The active key pair, made on first use. */
export async function activeSigningKey(prisma: Db, secret: string): Promise<SigningKeyPair & PublishedKey> {
  const row = await ensureSigningKey(prisma, secret);
  let pkcs8: string;
  try {
    pkcs8 = decryptSecret(row.private_key_encrypted, secret, SEAL_PURPOSE);
  } catch (err) {
    throw new SigningKeyUnavailable(`signing key ${row.key_id} cannot be unsealed: ${(err as Error).message}; start with the secret it was made under`, {
      cause: err,
    });
  }
  return { ...row.published, keyId: row.key_id, privateKey: createPrivateKey(pkcs8) };
}

/** The active public key, made on first use (making it needs the instance secret). */
export async function publishedSigningKey(prisma: Db, secret: string): Promise<PublishedKey> {
  return (await ensureSigningKey(prisma, secret)).published;
}

/** Every key this instance ever used, newest first: evidence signed before a rotation stays checkable. */
export async function knownPublicKeys(prisma: Db): Promise<PublishedKey[]> {
  const rows = await prisma.signingKey.findMany({ orderBy: [{ created_at: 'desc' }, { id: 'desc' }] });
  return rows.map(describe);
}

/**
 * Makes a new active key. Evidence signed before stays verifiable with the old public key (still
 * listed); the way out when the old private key cannot be unsealed any more.
 */
export async function rotateSigningKey(prisma: Db, secret: string): Promise<PublishedKey> {
  return describe(await prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${CREATION_LOCK}))`;
    return tx.signingKey.create({ data: newKeyRow(secret) });
  }));
}

async function ensureSigningKey(prisma: Db, secret: string) {
  const newest = { orderBy: [{ created_at: 'desc' as const }, { id: 'desc' as const }] };
  const row =
    (await prisma.signingKey.findFirst(newest)) ??
    (await prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${CREATION_LOCK}))`;
      return (await tx.signingKey.findFirst(newest)) ?? tx.signingKey.create({ data: newKeyRow(secret) });
    }));
  const published = describe(row);
  return { key_id: published.key_id, private_key_encrypted: row.private_key_encrypted, published };
}

function newKeyRow(secret: string) {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    algorithm: 'ed25519',
    public_key_pem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    private_key_encrypted: encryptSecret(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), secret, SEAL_PURPOSE),
  };
}

function describe(row: { public_key_pem: string; created_at: Date }): PublishedKey {
  return {
    key_id: keyIdOf(createPublicKey(row.public_key_pem)),
    algorithm: 'ed25519',
    public_key_pem: row.public_key_pem,
    created_at: row.created_at.toISOString(),
  };
}
