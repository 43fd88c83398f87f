import { call, eventually } from '../support/http.ts';
import { startCrawlSite, type CrawlSite } from '../support/crawl-site.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';

/**
 * A crawl of a site with a protected area (docs/crawls.md, "A site behind a login"): the crawl's
 * own fetches carry the project's site-auth, so the members pages are discovered and scanned, once
 * each; without it they redirect to the login page and are never scanned. No credential enters the
 * crawl's workflow history (nor its page scans').
 */

let stack: Stack;
let site: CrawlSite;

beforeAll(async () => {
  [stack, site] = await Promise.all([startStack({ CRAWL_REQUEST_INTERVAL_MS: '0', CRAWL_CONCURRENCY: '4' }), startCrawlSite({ pages: 2, members: true })]);
}, 60_000);
afterAll(async () => {
  await stack?.close();
  await site?.close();
});

const closed = (status: string) => ['completed', 'failed', 'cancelled'].includes(status);

async function crawlToEnd(t: Tenant) {
  const started = await call('POST', `${t.audit}/crawls/run`, { key: t.writeKey, body: { url: site.startUrl, max_pages: 40, scanners: ['seo'] } });
  expect(started.status).toBe(202);
  const id: string = started.body.data.id;
  const done = await eventually(() => call('GET', `${t.audit}/crawls/${id}`, { key: t.readKey }), (res) => closed(res.body.data.status), 120_000);
  expect(done.body.data.status).toBe('completed');
  const pages = await call('GET', `${t.audit}/crawls/${id}/pages?limit=100`, { key: t.readKey });
  expect(pages.status).toBe(200);
  return { crawl: done.body.data, pages: pages.body.data as Array<{ url: string; status: string; skip_reason: string | null; scan_id: string | null }> };
}

const membersUrls = () => site.members!.pages.map((p) => `${site.origin}${p}`);

/** The crawl's workflow history and its page scans' histories, as text. */
async function histories(crawlId: string, scanIds: string[]): Promise<string> {
  const crawl = await stack.db.prisma.crawl.findUniqueOrThrow({ where: { id: crawlId }, select: { workflow_id: true } });
  const runs = await stack.db.prisma.scanRun.findMany({ where: { id: { in: scanIds } }, select: { workflow_id: true } });
  const texts: string[] = [];
  for (const workflowId of [crawl.workflow_id, ...runs.map((r) => r.workflow_id)]) {
    if (!workflowId) continue;
    texts.push(JSON.stringify(await stack.temporal.client.workflow.getHandle(workflowId).fetchHistory()));
  }
  expect(texts.length).toBe(runs.length + 1);
  return texts.join('\n');
}

it('without site-auth the members area redirects to the login page: never scanned', async () => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const authorizedBefore = site.membersAuthorized.length;
  const { pages } = await crawlToEnd(t);
  const members = pages.find((p) => p.url === `${site.origin}/members`);
  expect(members).toMatchObject({ status: 'skipped', skip_reason: 'redirect' });
  expect(pages.some((p) => p.url === `${site.origin}/members/report`)).toBe(false);
  expect(pages.filter((p) => p.status === 'scanned').some((p) => p.url.startsWith(`${site.origin}/members`))).toBe(false);
  // The login page it redirects to is what the crawl found instead.
  expect(pages.some((p) => p.url.startsWith(`${site.origin}/login`) && p.status === 'scanned')).toBe(true);
  expect(site.membersAuthorized.length).toBe(authorizedBefore);
}, 150_000);

it.each([
  ['headers', () => ({ origin: site.origin, headers: { [site.members!.header.name]: site.members!.header.value } }), () => site.members!.header.value],
  ['cookies', () => ({ origin: site.origin, cookies: [{ name: site.members!.cookie.name, value: site.members!.cookie.value }] }), () => site.members!.cookie.value],
])('with site-auth (%s) the members pages are discovered and scanned exactly once; the credential is in no history', async (_form, body, credential) => {
  const t = await createTenant(stack.db.prisma, stack.baseUrl);
  const put = await call('PUT', `${t.audit}/site-auth`, { key: t.writeKey, body: body() });
  expect(put.status).toBe(200);
  const { crawl, pages } = await crawlToEnd(t);
  const scanned = pages.filter((p) => p.status === 'scanned');
  for (const url of membersUrls()) expect(scanned.filter((p) => p.url === url)).toHaveLength(1);
  // Signed in throughout: no visit was sent to the login page.
  expect(pages.some((p) => p.url.startsWith(`${site.origin}/login`))).toBe(false);
  const runs = await stack.db.prisma.scanRun.findMany({ where: { org_id: t.orgId, url: { in: membersUrls() } }, select: { url: true, status: true } });
  expect(runs.map((r) => r.url).sort()).toEqual(membersUrls().sort());
  expect(runs.every((r) => r.status === 'completed')).toBe(true);
  const text = await histories(crawl.id, scanned.map((p) => p.scan_id!));
  expect(text).toContain(crawl.id);
  expect(text.includes(credential())).toBe(false);
  expect(JSON.stringify(crawl).includes(credential())).toBe(false);
}, 150_000);
