import { checkPastedKey, createSession, type KeyStore } from '../../../web/src/lib/session.ts';

const KEY = `kr_live_${'a'.repeat(43)}`;

function memoryStore(): KeyStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe('dashboard session', () => {
  it('checks a pasted key before sending it, trimming what a paste adds', () => {
    expect(checkPastedKey(`  ${KEY}\n`)).toEqual({ ok: true, key: KEY });
    expect(checkPastedKey('')).toMatchObject({ ok: false, message: 'Paste an API key.' });
    expect(checkPastedKey('sk-abc')).toMatchObject({ ok: false, message: expect.stringContaining('kr_live_') });
    expect(checkPastedKey(`${KEY}x`)).toMatchObject({ ok: false, message: expect.stringContaining('43') });
  });

  it('keeps the key and project until sign-out removes both', () => {
    const store = memoryStore();
    const session = createSession(store);
    expect(session.key()).toBeNull();
    session.signIn(KEY);
    session.setProject('site');
    expect([session.key(), session.project()]).toEqual([KEY, 'site']);
    session.signOut();
    expect([session.key(), session.project(), store.data.size]).toEqual([null, null, 0]);
  });

  it('ignores a stored value that is not a key', () => {
    const store = memoryStore();
    store.setItem('sitewarden.api_key', 'garbage');
    expect(createSession(store).key()).toBeNull();
  });
});
