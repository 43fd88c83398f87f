import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Credentials at rest (AI provider keys, the signing key, integration credentials): AES-256-GCM
 * under a key derived (HKDF-SHA256) from the instance secret SITEWARDEN_SECRET.
 *
 * Stored form, all parts base64url: `v1:<key id>:<iv>:<ciphertext>:<tag>`.
 * - `v1` names this scheme, so a later one (another cipher, a rotated derivation) can sit beside it;
 * - the key id is derived from the secret (never the secret itself), so a value stored under another
 *   secret is told apart from a tampered one;
 * - `purpose` (e.g. "ai_provider:anthropic") is authenticated with the value, so a ciphertext copied
 *   to another row or use does not decrypt.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export type SecretDecryptionProblem = 'malformed' | 'unsupported_version' | 'other_secret' | 'tampered';

export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
  constructor(
    readonly problem: SecretDecryptionProblem,
    message: string,
  ) {
    super(message);
  }
}

function derive(secret: string, info: string, bytes: number): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'sitewarden', info, bytes));
}

const encryptionKey = (secret: string) => derive(secret, 'sitewarden/secrets/v1/aes-256-gcm', 32);

/** A short, public identifier of the instance secret: equal ids, same secret (with near certainty). */
export function secretKeyId(secret: string): string {
  return derive(secret, 'sitewarden/secrets/v1/key-id', 6).toString('base64url');
}

export function encryptSecret(plaintext: string, secret: string, purpose: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(secret), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(purpose, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, secretKeyId(secret), iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join(':');
}

/** The plaintext, or a SecretDecryptionError saying why not (never garbage). */
export function decryptSecret(stored: string, secret: string, purpose: string): string {
  const parts = stored.split(':');
  if (parts[0] !== VERSION) {
    throw parts.length === 5
      ? new SecretDecryptionError('unsupported_version', `encrypted with scheme "${parts[0]}", which this version of Sitewarden does not know`)
      : new SecretDecryptionError('malformed', 'not an encrypted value of Sitewarden');
  }
  const [, keyId, iv, ciphertext, tag] = parts;
  if (parts.length !== 5 || !keyId || !iv || !tag || ciphertext === undefined) {
    throw new SecretDecryptionError('malformed', 'not an encrypted value of Sitewarden');
  }
  const ours = secretKeyId(secret);
  if (keyId !== ours) {
    throw new SecretDecryptionError(
      'other_secret',
      `encrypted under another SITEWARDEN_SECRET (key id ${keyId}; this instance's is ${ours})`,
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', encryptionKey(secret), Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(purpose, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError('tampered', 'the encrypted value was altered, or stored for another purpose');
  }
}
