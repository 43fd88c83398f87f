import type { Readable } from 'node:stream';
import { assertValidKey, StorageError, type ObjectStorage } from './types.ts';

export interface S3Settings {
  endpoint: string;
  /** Where browsers reach the service, when it differs from `endpoint` (e.g. http://minio:9000 inside compose). */
  publicEndpoint?: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

/** Parts of a multipart upload; lib-storage sends up to QUEUE_SIZE of them at once. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

// The AWS SDK (some 10 MiB of heap) is loaded on first use, not at start: an idle API or worker
// does not hold it (bench/process-rss.ts).
const loadSdk = async () => {
  const [s3, storage, presigner] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage'), import('@aws-sdk/s3-request-presigner')]);
  return { ...s3, Upload: storage.Upload, getSignedUrl: presigner.getSignedUrl };
};

/**
 * Any S3-compatible service (MinIO, Garage, AWS). Uploads stream through lib-storage (one
 * PutObject when small, a multipart upload otherwise, aborted on failure); the bucket is made
 * on first use when missing; download URLs are presigned GETs.
 */
export function createS3Storage(settings: S3Settings): ObjectStorage {
  const Bucket = settings.bucket;
  let connected: ReturnType<typeof connect> | undefined;
  const connect = async () => {
    const sdk = await loadSdk();
    const clientFor = (endpoint: string) =>
      new sdk.S3Client({
        endpoint,
        region: settings.region,
        forcePathStyle: settings.forcePathStyle,
        credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      });
    const client = clientFor(settings.endpoint);
    return { sdk, client, signer: settings.publicEndpoint ? clientFor(settings.publicEndpoint) : client };
  };
  const s3 = () => (connected ??= connect());

  let bucketReady: Promise<void> | undefined;
  const ensureBucket = () =>
    (bucketReady ??= (async () => {
      const { sdk: { HeadBucketCommand, CreateBucketCommand }, client } = await s3();
      try {
        await client.send(new HeadBucketCommand({ Bucket }));
      } catch (err) {
        if (httpStatus(err) !== 404) throw err;
        await client.send(new CreateBucketCommand({ Bucket }));
      }
    })().catch((err: unknown) => {
      bucketReady = undefined;
      throw storageError(err, `bucket ${Bucket}`);
    }));

  return {
    kind: 's3',

    async put(key, body: Readable, contentType) {
      assertValidKey(key);
      await ensureBucket();
      const { sdk: { Upload }, client } = await s3();
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: body, ContentType: contentType },
        partSize: PART_SIZE,
        queueSize: QUEUE_SIZE,
        leavePartsOnError: false,
      });
      try {
        await upload.done();
      } catch (err) {
        throw storageError(err, `could not upload ${key}`);
      }
    },

    async open(key) {
      assertValidKey(key);
      const { sdk: { GetObjectCommand }, client } = await s3();
      try {
        const object = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        return { body: object.Body as Readable, bytes: object.ContentLength ?? 0 };
      } catch (err) {
        if (httpStatus(err) === 404) return null;
        throw storageError(err, `could not read ${key}`);
      }
    },

    async presignedUrl(key, { expiresInSeconds, filename, contentType }) {
      assertValidKey(key);
      const { sdk: { GetObjectCommand, getSignedUrl }, signer } = await s3();
      const command = new GetObjectCommand({
        Bucket,
        Key: key,
        ResponseContentType: contentType,
        ResponseContentDisposition: `attachment; filename="${filename}"`,
      });
      return getSignedUrl(signer, command, { expiresIn: expiresInSeconds });
    },
  };
}

function httpStatus(err: unknown): number | undefined {
  return (Object(err) as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/**
 * The service's refusals (4xx but timeouts and throttling) are permanent; 5xx and network
 * failures are worth a retry. Anything else is the body stream's own failure and passes unchanged.
 */
function storageError(err: unknown, what: string): unknown {
  if (err instanceof StorageError) return err;
  const { name, message, code } = Object(err) as { name?: string; message?: string; code?: string };
  const status = httpStatus(err);
  if (status !== undefined) {
    const permanent = status >= 400 && status < 500 && status !== 408 && status !== 429;
    const hint = status === 403 ? ' (check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY)' : '';
    // A HEAD has no body, so no error code: the SDK calls it Unknown, or by the status.
    const detail = name && !/^(Error|Unknown(Error)?|NotFound|Forbidden|\d+)$/.test(name) ? `${name} (HTTP ${status})` : `HTTP ${status}`;
    return new StorageError(`${what}: the storage service refused it: ${detail}${hint}`, permanent, { cause: err });
  }
  if ((code && NETWORK_CODES.has(code)) || name === 'TimeoutError') {
    return new StorageError(`${what}: storage service unreachable: ${code ?? message}`, false, { cause: err });
  }
  return err;
}
