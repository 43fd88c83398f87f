import type { Readable } from 'node:stream';

/**
 * Object storage for report artifacts: the local filesystem (the embedded default) or any
 * S3-compatible service. Keys are `/`-separated paths such as `audit/<org>/<project>/<id>.pdf`.
 */
export interface ObjectStorage {
  readonly kind: 'filesystem' | 's3';
  /** Streams `body` to `key`, replacing what was there; readers never see half an object. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  /** null when there is no such object. */
  open(key: string): Promise<StoredObject | null>;
  /** A URL that fetches the object without credentials until it expires; null when the storage has none (the API serves it). */
  presignedUrl(key: string, options: { expiresInSeconds: number; filename: string; contentType: string }): Promise<string | null>;
}

export interface StoredObject {
  body: Readable;
  bytes: number;
}

export class StorageError extends Error {
  override name = 'StorageError';
  constructor(
    message: string,
    /** True when retrying cannot help (credentials refused, no permission, bad bucket name). */
    readonly permanent: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Keys are relative paths of plain segments: nothing that could climb out of a folder. */
export function assertValidKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 1024 || segments.some((s) => s === '' || s === '.' || s === '..' || !/^[A-Za-z0-9._-]+$/.test(s))) {
    throw new StorageError(`invalid storage key "${key}"`, true);
  }
}
