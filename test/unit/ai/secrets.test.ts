import { decryptSecret, encryptSecret, SecretDecryptionError, secretKeyId } from '../../../src/platform/secrets.ts';

const SECRET = 'a-test-instance-secret-of-32-chars!!';
const OTHER = 'another-instance-secret-of-32-chars!';

function problem(run: () => unknown): string | undefined {
  try {
    run();
  } catch (err) {
    if (err instanceof SecretDecryptionError) return err.problem;
    throw err;
  }
  return undefined;
}

test('round-trips, with a fresh IV each time and no plaintext in the stored form', () => {
  const a = encryptSecret('sk-ant-secret-key', SECRET, 'ai_provider:anthropic');
  const b = encryptSecret('sk-ant-secret-key', SECRET, 'ai_provider:anthropic');
  expect(a).not.toBe(b);
  expect(a).toMatch(/^v1:[A-Za-z0-9_-]{8}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+:[A-Za-z0-9_-]{22}$/);
  expect(a).not.toContain('sk-ant');
  expect(decryptSecret(a, SECRET, 'ai_provider:anthropic')).toBe('sk-ant-secret-key');
  expect(decryptSecret(encryptSecret('', SECRET, 'p'), SECRET, 'p')).toBe('');
});

test('a value stored under another secret is named as such, not decrypted into garbage', () => {
  const stored = encryptSecret('sk-ant-secret-key', OTHER, 'ai_provider:anthropic');
  expect(problem(() => decryptSecret(stored, SECRET, 'ai_provider:anthropic'))).toBe('other_secret');
  expect(() => decryptSecret(stored, SECRET, 'ai_provider:anthropic')).toThrow(`key id ${secretKeyId(OTHER)}; this instance's is ${secretKeyId(SECRET)}`);
});

test('tampering, another purpose, an unknown scheme and junk are refused', () => {
  const stored = encryptSecret('sk-ant-secret-key', SECRET, 'ai_provider:anthropic');
  const [v, kid, iv, ct, tag] = stored.split(':') as [string, string, string, string, string];
  const flipped = Buffer.from(ct, 'base64url');
  flipped[0]! ^= 1;
  expect(problem(() => decryptSecret([v, kid, iv, flipped.toString('base64url'), tag].join(':'), SECRET, 'ai_provider:anthropic'))).toBe('tampered');
  expect(problem(() => decryptSecret(stored, SECRET, 'ai_provider:openai'))).toBe('tampered');
  expect(problem(() => decryptSecret(['v9', kid, iv, ct, tag].join(':'), SECRET, 'ai_provider:anthropic'))).toBe('unsupported_version');
  expect(problem(() => decryptSecret('sk-plaintext', SECRET, 'ai_provider:anthropic'))).toBe('malformed');
  expect(problem(() => decryptSecret('v1:abc', SECRET, 'ai_provider:anthropic'))).toBe('malformed');
});
