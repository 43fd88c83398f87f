import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { ApplicationFailure } from '@temporalio/activity';
import { createReportShareActivities, OUTCOME_UNKNOWN } from '../../src/activities/reports/share.ts';
import { createSafeFetcher, type SafeFetcher } from '../../src/gather/safe-fetch.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';
import { freePort } from '../support/processes.ts';

/**
 * "At most once" for email shares, with the share activity on the test database and a real SMTP
 * server on 127.0.0.1 (smtp-server): the message is sent only after the attempt is recorded, and
 * an attempt that died while sending is never repeated.
 */
const ROOT = `${__dirname}/../..`;

interface Smtp {
  url: string;
  /** Messages whose body arrived whole, answered or not. */
  bodies: number;
  accepted: number;
  /** While set, a message's body is read and its final reply never sent (a receiver mid-transaction). */
  hold: boolean;
  /** Resolves when the next message body has arrived whole. */
  nextBody(): Promise<void>;
  close(): Promise<void>;
}

async function startSmtp(): Promise<Smtp> {
  const waiting: Array<() => void> = [];
  const smtp = { bodies: 0, accepted: 0, hold: false, nextBody: () => new Promise<void>((resolve) => waiting.push(resolve)) } as Smtp;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, done) {
      stream.resume();
      stream.on('end', () => {
        smtp.bodies++;
        for (const resolve of waiting.splice(0)) resolve();
        if (smtp.hold) return; // never answers: the sender waits for the reply to its message
        smtp.accepted++;
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  smtp.url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  smtp.close = () => new Promise((resolve) => server.close(() => resolve()));
  return smtp;
}

let db: Database;
let smtp: Smtp;
let config: Config;
let fetcher: SafeFetcher;
const children: ChildProcess[] = [];

beforeAll(async () => {
  smtp = await startSmtp();
  config = loadConfig({ ...process.env, SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'http://reports.sitewarden.test' });
  db = connectDatabase(config.DATABASE_URL, 2);
  fetcher = createSafeFetcher({ allowlist: config.allowlist, timeoutMs: 5_000 });
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  await fetcher?.close();
  await db?.close();
  await smtp?.close();
});

const activitiesFor = (smtpUrl = smtp.url) =>
  createReportShareActivities({ prisma: db.prisma, config: { ...config, SMTP_URL: smtpUrl }, fetcher, secret: resolveInstanceSecret(config) });

async function emailDelivery() {
  const id = randomUUID();
  await db.prisma.notificationDelivery.create({
    data: {
      id,
      org_id: randomUUID(),
      project_id: 'production-website',
      channel: 'email',
      idempotency_key: `test:${id}`,
      target: 'ops@example.com',
      payload: {
        report_id: randomUUID(),
        recipients: ['ops@example.com'],
        notice: { projectId: 'production-website', format: 'pdf', exportedAt: null, healthScore: 80, openFindings: 3, findingsInReport: 3, shareUrl: 'http://reports.sitewarden.test/x', shareExpiresAt: 'soon' },
      },
    },
  });
  return id;
}
const row = (id: string) => db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id } });
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

it('sends once and records it; a retry after success sends nothing', async () => {
  const id = await emailDelivery();
  const before = smtp.accepted;
  await activitiesFor().deliverReportShare(id);
  await activitiesFor().deliverReportShare(id);
  expect(smtp.accepted - before).toBe(1);
  expect(await row(id)).toMatchObject({ status: 'delivered', attempts: 1, last_error: null });
});

it('a failure that sent nothing (no SMTP server there) leaves it pending for the retry, which sends it', async () => {
  const id = await emailDelivery();
  const closed = `smtp://127.0.0.1:${await freePort()}`;
  await expect(activitiesFor(closed).deliverReportShare(id)).rejects.toThrow();
  expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1, last_error: expect.stringMatching(/ECONNREFUSED|connect/i) });
  const before = smtp.accepted;
  await activitiesFor().deliverReportShare(id);
  expect(smtp.accepted - before).toBe(1);
  expect(await row(id)).toMatchObject({ status: 'delivered', attempts: 2 });
});

it('a worker killed while sending: the attempt was recorded first, and the retry does not send again', async () => {
  const id = await emailDelivery();
  smtp.hold = true;
  const bodiesBefore = smtp.bodies;
  const bodyArrived = smtp.nextBody();
  // The activity in its own process group, as a worker runs it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/deliver-share-child.ts', id], {
    cwd: ROOT,
    env: { ...process.env, SMTP_URL: smtp.url, PUBLIC_BASE_URL: 'http://reports.sitewarden.test', LOG_LEVEL: 'silent' },
    stdio: 'ignore',
    detached: true,
  });
  children.push(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await bodyArrived; // the whole message reached the server; its reply never comes
  expect(smtp.bodies - bodiesBefore).toBe(1);
  expect(await row(id)).toMatchObject({ status: 'sending', attempts: 1 });
  process.kill(-child.pid!, 'SIGKILL');
  await exited;
  expect(child.signalCode).toBe('SIGKILL');
  expect(alive(child.pid!)).toBe(false);

  smtp.hold = false;
  // Temporal's retry of the activity, on another worker.
  const retry = activitiesFor().deliverReportShare(id);
  await expect(retry).rejects.toBeInstanceOf(ApplicationFailure);
  await expect(retry).rejects.toMatchObject({ type: OUTCOME_UNKNOWN, nonRetryable: true });
  expect(smtp.bodies - bodiesBefore).toBe(1);
  expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/^outcome unknown, not sent again/) });
  // And the workflow's closing failReportShare changes nothing more.
  await activitiesFor().failReportShare(id, 'activity failed');
  expect(await row(id)).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/^outcome unknown/) });
}, 60_000);

it('the workflow giving up on a delivery still claimed (its last attempt timed out) marks it failed, outcome unknown', async () => {
  const id = await emailDelivery();
  await db.prisma.notificationDelivery.update({ where: { id }, data: { status: 'sending', attempts: 1 } });
  await activitiesFor().failReportShare(id, 'activity StartToClose timeout');
  expect(await row(id)).toMatchObject({ status: 'failed', last_error: 'outcome unknown, not sent again: activity StartToClose timeout' });
});
