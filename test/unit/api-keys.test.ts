import { API_KEY_PATTERN, generateApiKey, grants, hashApiKey } from '../../src/domain/api-keys.ts';
import { decodeCursor, encodeCursor } from '../../src/domain/cursor.ts';

describe('API keys', () => {
  it('are kr_live_ + 43 base64url characters, stored as SHA-256 with a 12-character prefix', () => {
    const { key, keyHash, keyPrefix } = generateApiKey();
    expect(key).toMatch(API_KEY_PATTERN);
    expect(key).toHaveLength(8 + 43);
    expect(keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyHash).toBe(hashApiKey(key));
    expect(keyPrefix).toBe(key.slice(0, 12));
    expect(generateApiKey().key).not.toBe(key);
  });

  it('write implies read, read does not imply write', () => {
    expect(grants(['audit:write'], 'audit:read')).toBe(true);
    expect(grants(['audit:write'], 'audit:write')).toBe(true);
    expect(grants(['audit:read'], 'audit:read')).toBe(true);
    expect(grants(['audit:read'], 'audit:write')).toBe(false);
    expect(grants([], 'audit:read')).toBe(false);
  });
});

describe('cursors', () => {
  it('round-trip a position', () => {
    const position = { at: new Date('2025-06-10T15:00:00.123Z'), id: '0b6f3b8e-54e4-4a55-9a4e-3c2d1f0e9a8b' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each(['', 'not base64 at all!', Buffer.from('[]').toString('base64url'), Buffer.from('{"inserted_at":"yesterday","id":"x"}').toString('base64url')])(
    'reject %p',
    (cursor) => expect(decodeCursor(cursor)).toBeNull(),
  );
});
