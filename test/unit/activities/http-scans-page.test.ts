import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createHttpScans, type HttpScan } from '../../../src/activities/scanners/http-scans.ts';
import type { PageArtifact } from '../../../src/checks/artifacts.ts';
import { MAX_PAGE_ELEMENTS } from '../../../src/gather/html-page.ts';
import type { SafeFetcher } from '../../../src/gather/safe-fetch.ts';
import type { Db } from '../../../src/platform/db.ts';

// The page a scan's HTTP scanners judge: fetched and parsed once, the one artifact handed to
// security and SEO alike; a page past capture's bounds reaches neither (docs/scanning.md).

const URL_ = 'https://example.com/';
const serving = (html: string): SafeFetcher => ({
  fetchPage: async (url) => ({ url, status: 200, headers: { 'content-type': 'text/html' }, body: Buffer.from(html), redirects: [], timings: { totalMs: 1 } }),
  close: async () => undefined,
});

/** runHttpScanners on `html` with scanners that keep the page they are given (no database: the run is known, without site-auth). */
async function scan(html: string): Promise<{ pages: PageArtifact[]; outcome: Promise<unknown> }> {
  const pages: PageArtifact[] = [];
  const keep: HttpScan = async (_scan, page) => (pages.push(page), { findings: 0, findingIds: [] });
  const { runHttpScanners } = createHttpScans(undefined as unknown as Db, serving(html), 'secret', async () => undefined, { security: keep, seo: keep });
  const known = { scan: { scanRunId: 'run', orgId: 'org', projectId: 'site', url: URL_ }, siteAuth: false };
  const outcome = new MockActivityEnvironment().run(() => runHttpScanners('run', ['security', 'seo'], known));
  await outcome.catch(() => undefined);
  return { pages, outcome };
}

test('security and SEO judge one parse of the page: the same artifact, DOM and element index', async () => {
  const { pages, outcome } = await scan('<!doctype html><title>t</title><h1>a</h1>');
  await expect(outcome).resolves.toMatchObject({ slots: { security: { status: 'done' }, seo: { status: 'done' } } });
  expect(pages).toHaveLength(2);
  expect(pages[1]).toBe(pages[0]);
  expect(pages[0]!.elements.byTag.get('h1')).toHaveLength(1);
});

test(`a page of more than ${MAX_PAGE_ELEMENTS} elements fails the activity as PageTooComplex, not retried, and reaches no scanner`, async () => {
  const { pages, outcome } = await scan(`<!doctype html><title>t</title>${'<i></i>'.repeat(MAX_PAGE_ELEMENTS)}`);
  await expect(outcome).rejects.toBeInstanceOf(ApplicationFailure);
  await expect(outcome).rejects.toMatchObject({ type: 'PageTooComplex', nonRetryable: true });
  expect(pages).toHaveLength(0);
});
