import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'kr_live_';
export const KEY_PREFIX_LENGTH = 12;
/** `kr_live_` + 43 base64url characters (32 random bytes). */
export const API_KEY_PATTERN = /^kr_live_[A-Za-z0-9_-]{43}$/;

export const SCOPES = ['audit:read', 'audit:write'] as const;
export type Scope = (typeof SCOPES)[number];

export interface NewApiKey {
  key: string;
  keyHash: string;
  keyPrefix: string;
}

export function generateApiKey(): NewApiKey {
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, keyHash: hashApiKey(key), keyPrefix: key.slice(0, KEY_PREFIX_LENGTH) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** `audit:write` implies `audit:read`. */
export function grants(scopes: readonly string[], needed: Scope): boolean {
  return scopes.includes(needed) || (needed === 'audit:read' && scopes.includes('audit:write'));
}

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
