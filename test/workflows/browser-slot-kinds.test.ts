import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBrowserShare, type BrowserSlotKind } from '../../src/activities/browser-share.ts';
import { connectDatabase, type Database } from '../../src/platform/db.ts';

// axe beside Lighthouse (docs/scanning.md): a scan's accessibility audit has a slot and an org
// lease of its own, so it runs while the same org's Lighthouse holds the Chromium slot and lease;
// with BROWSER_AXE_CONCURRENCY=0 it shares them and is turned back. The real share, on the test
// database, in a mocked activity context on the browser queue.

const pool = `test-browser-${randomUUID()}`;
let db: Database;
beforeAll(() => {
  db = connectDatabase(process.env.DATABASE_URL!, 2);
});
afterAll(async () => {
  await db.prisma.browserLease.deleteMany({ where: { pool: { startsWith: pool } } });
  await db.close();
});

function shareWith(axeSlots: number) {
  return createBrowserShare(db.prisma, {
    BROWSER_CONCURRENCY: 1,
    BROWSER_AXE_CONCURRENCY: axeSlots,
    BROWSER_ORG_CONCURRENCY: 1,
    BROWSER_QUEUE_MAX_WAIT_SECONDS: 600,
    TEMPORAL_BROWSER_TASK_QUEUE: pool,
  });
}

function inActivity<T>(work: () => Promise<T>): Promise<T> {
  const env = new MockActivityEnvironment({
    taskQueue: pool,
    activityId: randomUUID(),
    scheduledTimestampMs: Date.now(),
    currentAttemptScheduledTimestampMs: Date.now(),
  });
  return env.run(work);
}

async function lighthouseHolding(share: ReturnType<typeof shareWith>, orgId: string) {
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const done = inActivity(() => share.run(orgId, 2, async () => (started(), finished), 'lighthouse'));
  await running;
  return { finish, done };
}

const axe = (share: ReturnType<typeof shareWith>, orgId: string, kind: BrowserSlotKind = 'axe') =>
  inActivity(() => share.run(orgId, 2, async () => 'axe ran', kind));

test("an org's axe runs while its Lighthouse holds the Chromium slot and the org's lease", async () => {
  const share = shareWith(1);
  const orgId = randomUUID();
  const lighthouse = await lighthouseHolding(share, orgId);
  try {
    await expect(axe(share, orgId)).resolves.toBe('axe ran');
    // axe gave its own lease back; Lighthouse's is still held.
    const leases = await db.prisma.browserLease.findMany({ where: { org_id: orgId } });
    expect(leases.map((l) => l.pool)).toEqual([pool]);
  } finally {
    lighthouse.finish();
    await lighthouse.done;
  }
  expect(await db.prisma.browserLease.count({ where: { org_id: orgId } })).toBe(0);
});

test('with BROWSER_AXE_CONCURRENCY=0 axe shares the Lighthouse slot and lease: turned back while the org runs Lighthouse', async () => {
  const share = shareWith(0);
  const orgId = randomUUID();
  const lighthouse = await lighthouseHolding(share, orgId);
  try {
    const turned = await axe(share, orgId).catch((err: unknown) => err);
    expect(turned).toBeInstanceOf(ApplicationFailure);
    expect((turned as ApplicationFailure).type).toBe('BrowserBusy');
  } finally {
    lighthouse.finish();
    await lighthouse.done;
  }
  await expect(axe(share, orgId)).resolves.toBe('axe ran');
});

test('axe jobs of one org take turns on their own lease', async () => {
  const share = shareWith(1);
  const orgId = randomUUID();
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const first = inActivity(() => share.run(orgId, 2, async () => (started(), finished), 'axe'));
  await running;
  try {
    expect(await db.prisma.browserLease.findMany({ where: { org_id: orgId }, select: { pool: true } })).toEqual([{ pool: `${pool}:axe` }]);
    const turned = await axe(share, orgId).catch((err: unknown) => err);
    expect((turned as ApplicationFailure).type).toBe('BrowserBusy');
  } finally {
    finish();
    await first;
  }
});
