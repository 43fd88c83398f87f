/**
 * The signed-in key lives in sessionStorage only: gone when the tab closes, never in a URL, a
 * cookie or a log line. A 401 from any call signs out (api/client.ts).
 */
export const API_KEY_PATTERN = /^kr_live_[A-Za-z0-9_-]{43}$/;
const KEY = 'sitewarden.api_key';
const PROJECT = 'sitewarden.project';

export interface KeyStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** What the sign-in form says about a pasted key before any request is made. */
export function checkPastedKey(raw: string): { ok: true; key: string } | { ok: false; message: string } {
  const key = raw.trim();
  if (!key) return { ok: false, message: 'Paste an API key.' };
  if (!key.startsWith('kr_live_')) return { ok: false, message: 'An API key starts with kr_live_.' };
  if (!API_KEY_PATTERN.test(key)) return { ok: false, message: 'An API key is kr_live_ and 43 letters, digits, - or _.' };
  return { ok: true, key };
}

export function createSession(store: KeyStore) {
  return {
    key: (): string | null => {
      const key = store.getItem(KEY);
      return key && API_KEY_PATTERN.test(key) ? key : null;
    },
    signIn: (key: string) => store.setItem(KEY, key),
    signOut: () => {
      store.removeItem(KEY);
      store.removeItem(PROJECT);
    },
    project: (): string | null => store.getItem(PROJECT),
    setProject: (id: string) => store.setItem(PROJECT, id),
  };
}

export type Session = ReturnType<typeof createSession>;
