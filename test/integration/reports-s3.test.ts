import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { loadConfig } from '../../src/platform/config.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { activeSigningKey, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { createStorage, StorageError, type ObjectStorage } from '../../src/platform/storage/index.ts';
import { call } from '../support/http.ts';
import { startMinio, type Minio } from '../support/minio.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant } from '../support/tenants.ts';

let minio: Minio;
const storageFor = (env: Record<string, string>) => createStorage(loadConfig({ ...env }));

beforeAll(async () => {
  minio = await startMinio();
}, 30_000);
afterAll(() => minio?.stop());

describe('S3 storage on a real MinIO', () => {
  let storage: ObjectStorage;
  beforeAll(() => {
    storage = storageFor(minio.env('sitewarden-unit'));
  });

  it('makes the bucket on first use, streams an object in, reads it back, and presigns a GET', async () => {
    expect(storage.kind).toBe('s3');
    await storage.put('audit/o/p/r1.json', Readable.from(['{"hello":', '"world"}']), 'application/json');
    const object = await storage.open('audit/o/p/r1.json');
    expect(object?.bytes).toBe(17);
    expect((await buffer(object!.body)).toString()).toBe('{"hello":"world"}');
    expect(await storage.open('audit/o/p/missing.json')).toBeNull();

    const url = await storage.presignedUrl('audit/o/p/r1.json', { expiresInSeconds: 60, filename: 'r1.json', contentType: 'application/json' });
    expect(url).toMatch(new RegExp(`^${minio.endpoint}/sitewarden-unit/audit/o/p/r1\\.json\\?.*X-Amz-Signature=`));
    const res = await fetch(url!);
    expect([res.status, res.headers.get('content-type'), res.headers.get('content-disposition')]).toEqual([200, 'application/json', 'attachment; filename="r1.json"']);
    expect(await res.text()).toBe('{"hello":"world"}');
    expect((await fetch(url!.replace(/X-Amz-Signature=(.)/, (_, c: string) => `X-Amz-Signature=${c === 'a' ? 'b' : 'a'}`))).status).toBe(403);
  });

  it('uploads a large stream as a multipart upload without holding it whole', async () => {
    const part = randomBytes(1024 * 1024);
    const hash = createHash('sha256');
    async function* twentyMegabytes() {
      for (let i = 0; i < 20; i++) {
        hash.update(part);
        yield part;
      }
    }
    await storage.put('audit/o/p/big.pdf', Readable.from(twentyMegabytes()), 'application/pdf');
    const object = await storage.open('audit/o/p/big.pdf');
    expect(object?.bytes).toBe(20 * 1024 * 1024);
    const stored = createHash('sha256');
    for await (const chunk of object!.body) stored.update(chunk as Buffer);
    expect(stored.digest('hex')).toBe(hash.digest('hex'));
  });

  it('fails cleanly with a wrong secret: a permanent StorageError naming the credentials, at once', async () => {
    const wrong = storageFor(minio.env('sitewarden-unit', { S3_SECRET_ACCESS_KEY: 'not-the-secret' }));
    const started = Date.now();
    const failure = await wrong.put('audit/o/p/r2.json', Readable.from(['{}']), 'application/json').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StorageError);
    expect(failure).toMatchObject({ permanent: true, message: expect.stringMatching(/refused.*S3_SECRET_ACCESS_KEY/) });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect(wrong.open('audit/o/p/r1.json')).rejects.toMatchObject({ permanent: true });
  });

  it('refuses a half-configured S3 at start, naming what is missing', () => {
    expect(() => storageFor({ S3_ENDPOINT: minio.endpoint, S3_BUCKET: 'x-bucket' })).toThrow(/S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required/);
  });
});

describe('exports to S3', () => {
  let good: Stack;
  let wrong: Stack;
  beforeAll(async () => {
    [good, wrong] = await Promise.all([
      startStack(minio.env('sitewarden-exports')),
      startStack(minio.env('sitewarden-exports', { S3_SECRET_ACCESS_KEY: 'not-the-secret' })),
    ]);
    const secret = resolveInstanceSecret(good.config);
    await activeSigningKey(good.db.prisma, secret).catch((err) => {
      if (!(err instanceof SigningKeyUnavailable)) throw err;
      return rotateSigningKey(good.db.prisma, secret);
    });
  }, 30_000);
  afterAll(async () => {
    await Promise.all([good?.close(), wrong?.close()]);
  });

  async function exportJson(stack: Stack) {
    const t = await createTenant(stack.db.prisma, stack.baseUrl);
    const started = await call('POST', `${t.audit}/reports/export`, { key: t.writeKey, body: { format: 'json' } });
    expect(started.status).toBe(202);
    const outcome = await stack.temporal.client.workflow.getHandle(started.body.data.workflow_id).result();
    const report = await call('GET', `${t.audit}/reports/${started.body.data.id}`, { key: t.readKey });
    return { t, outcome, report: report.body.data };
  }

  it('stores the artifact in the bucket and hands out a presigned URL that needs no key', async () => {
    const { t, outcome, report } = await exportJson(good);
    expect(outcome).toMatchObject({ status: 'exported' });
    expect(report).toMatchObject({ status: 'exported', snapshot: { finding_count: 0 } });
    expect(report.snapshot.export_url).toMatch(new RegExp(`^${minio.endpoint}/sitewarden-exports/audit/${t.orgId}/${t.projectId}/${report.id}\\.json\\?`));
    const res = await fetch(report.snapshot.export_url);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'application/json']);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(report.sha256);
    expect(JSON.parse(bytes.toString())).toMatchObject({ report: { id: report.id }, findings: [] });
    const evidence = await createStorage(good.config).open(`audit/${t.orgId}/${t.projectId}/${report.id}.json.dsse.json`);
    expect(JSON.parse((await buffer(evidence!.body)).toString())).toMatchObject({ payloadType: 'application/vnd.in-toto+json' });
  });

  it('with a wrong S3 secret the export fails, without retrying, with the reason and no export_url', async () => {
    const started = Date.now();
    const { outcome, report } = await exportJson(wrong);
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(/refused/) });
    expect(report).toMatchObject({ status: 'failed', failure_reason: expect.stringMatching(/S3_SECRET_ACCESS_KEY/), exported_at: null, snapshot: { export_url: null } });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
