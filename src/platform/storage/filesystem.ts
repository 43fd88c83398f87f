import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidKey, StorageError, type ObjectStorage } from './types.ts';

const PROJECT_ROOT = resolve(__dirname, '../../..');
const TRANSIENT = new Set(['ENOSPC', 'EMFILE', 'ENFILE', 'EBUSY', 'EAGAIN', 'EIO']);

/**
 * Objects as files under `root` (relative paths are taken from the project root, so the API, the
 * worker and the CLI agree wherever they were started). A put writes a temporary file beside
 * the target and renames it, so a reader sees the old object or the new one, never a part.
 */
export function createFilesystemStorage(root: string): ObjectStorage {
  const base = resolve(PROJECT_ROOT, root);
  const pathOf = (key: string) => {
    assertValidKey(key);
    return join(base, ...key.split('/'));
  };

  return {
    kind: 'filesystem',

    async put(key, body: Readable) {
      const path = pathOf(key);
      const draft = `${path}.${randomBytes(6).toString('hex')}.part`;
      try {
        await mkdir(dirname(path), { recursive: true });
        await pipeline(body, createWriteStream(draft, { mode: 0o640 }));
        await rename(draft, path);
      } catch (err) {
        await rm(draft, { force: true }).catch(() => undefined);
        throw storageError(err, `could not write ${key}`);
      }
    },

    async open(key) {
      const path = pathOf(key);
      try {
        const { size } = await stat(path);
        return { body: createReadStream(path), bytes: size };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw storageError(err, `could not read ${key}`);
      }
    },

    async presignedUrl() {
      return null;
    },
  };
}

/** File-system failures become StorageErrors; anything else (the body stream's own failure) passes unchanged. */
function storageError(err: unknown, what: string): unknown {
  const { code, syscall } = Object(err) as NodeJS.ErrnoException;
  if (err instanceof StorageError || code === undefined || syscall === undefined) return err;
  return new StorageError(`${what}: ${code}`, !TRANSIENT.has(code), { cause: err });
}
