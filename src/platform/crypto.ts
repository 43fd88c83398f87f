import { hkdfSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from './config.ts';

/**
 * The instance secret: SITEWARDEN_SECRET, required in production. Elsewhere, when it is unset,
 * a random one is made once per checkout in `.data/instance-secret` (the file ./scripts/dev
 * keeps), so the API, the worker, the CLI and the tests of one install agree with no set-up.
 * Encryption at rest with it is src/platform/secrets.ts; other uses derive their own key here.
 */
const PROJECT_ROOT = resolve(__dirname, '../..');
export const DEV_SECRET_FILE = join(PROJECT_ROOT, '.data', 'instance-secret');

export function resolveInstanceSecret(config: Pick<Config, 'SITEWARDEN_SECRET'>): string {
  return config.SITEWARDEN_SECRET ?? readOrCreateDevSecret(DEV_SECRET_FILE);
}

/** A 32-byte key for one use of the secret (HKDF-SHA256), never the secret itself. */
export function deriveKey(secret: string, use: 'signed-links'): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'sitewarden', `sitewarden/${use}/v1`, 32));
}

/** Created atomically (link(2) fails when it exists), so processes starting together agree. */
function readOrCreateDevSecret(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(join(file, '..'), { recursive: true });
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
  try {
    linkSync(draft, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(draft);
  }
  return readFileSync(file, 'utf8').trim();
}
