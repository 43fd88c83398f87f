import { ConfigError, type Config } from '../config.ts';
import { createFilesystemStorage } from './filesystem.ts';
import { createS3Storage } from './s3.ts';
import type { ObjectStorage } from './types.ts';

export { StorageError, type ObjectStorage, type StoredObject } from './types.ts';

const S3_SETTINGS = ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

/** S3 when its endpoint, bucket and keys are all set; the filesystem when none is; a half-set S3 stops the process. */
export function createStorage(config: Config): ObjectStorage {
  const missing = S3_SETTINGS.filter((name) => !config[name]);
  if (missing.length === S3_SETTINGS.length) return createFilesystemStorage(config.STORAGE_DIR);
  if (missing.length > 0) throw new ConfigError(`invalid configuration:\n  ${missing.join(', ')}: required when any S3_* storage setting is set`);
  return createS3Storage({
    endpoint: config.S3_ENDPOINT!,
    publicEndpoint: config.S3_PUBLIC_ENDPOINT,
    bucket: config.S3_BUCKET!,
    region: config.S3_REGION,
    accessKeyId: config.S3_ACCESS_KEY_ID!,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
}
