import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.ts';

export interface Minio {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The storage settings of a Sitewarden process using this server. */
  env(bucket: string, overrides?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/**
 * A real MinIO on 127.0.0.1 with a fresh data folder: the binary ./scripts/test builds once
 * (ensure_minio in scripts/lib.sh: $MINIO_BIN, else the tools folder).
 */
export async function startMinio(): Promise<Minio> {
  const bin = process.env.MINIO_BIN ?? join(process.env.SITEWARDEN_TOOLS ?? join(homedir(), '.cache', 'sitewarden'), 'bin', 'minio');
  const data = await mkdtemp(join(tmpdir(), 'sitewarden-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const accessKeyId = 'sitewarden-test';
  const secretAccessKey = 'sitewarden-test-secret';
  const child = spawn(bin, ['server', data, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: { ...process.env, MINIO_ROOT_USER: accessKeyId, MINIO_ROOT_PASSWORD: secretAccessKey, MINIO_BROWSER: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)));
  const exited = once(child, 'exit');
  const endpoint = `http://127.0.0.1:${port}`;

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`MinIO (${bin}) exited: ${stderr}`);
    const live = await fetch(`${endpoint}/minio/health/live`).then((r) => r.ok, () => false);
    if (live) break;
    if (Date.now() > deadline) throw new Error(`MinIO was not ready within ${READY_TIMEOUT_MS} ms: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    env: (bucket, overrides = {}) => ({
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_ACCESS_KEY_ID: accessKeyId,
      S3_SECRET_ACCESS_KEY: secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
      ...overrides,
    }),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(data, { recursive: true, force: true });
    },
  };
}
