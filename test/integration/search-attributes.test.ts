import { Writable } from 'node:stream';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { createLogger } from '../../src/platform/logger.ts';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/platform/search-attributes.ts';
import { ensureSearchAttributes } from '../../src/platform/temporal-runtime.ts';
import { startTemporal } from '../support/temporal.ts';

let bare: TestWorkflowEnvironment;

beforeAll(async () => {
  await startTemporal().then((env) => env.teardown()); // installs the tests' Runtime first
  const path = process.env.TEMPORAL_CLI!;
  // A cluster as a production one starts: none of Sitewarden's search attributes registered.
  bare = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path } } });
}, 60_000);
afterAll(async () => {
  await bare?.teardown();
});

it('registers the missing search attributes at worker start, once (idempotent)', async () => {
  const lines: string[] = [];
  const logger = createLogger('info', 'worker', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
  const names = SEARCH_ATTRIBUTE_KEYS.map((key) => key.name);
  const before = await bare.nativeConnection.operatorService.listSearchAttributes({ namespace: 'default' });
  expect(Object.keys(before.customAttributes ?? {}).filter((name) => names.includes(name))).toEqual([]);

  expect(await ensureSearchAttributes(bare.nativeConnection, 'default', logger)).toEqual(names);
  const after = await bare.nativeConnection.operatorService.listSearchAttributes({ namespace: 'default' });
  expect(Object.keys(after.customAttributes ?? {}).filter((name) => names.includes(name)).sort()).toEqual([...names].sort());
  expect(await ensureSearchAttributes(bare.nativeConnection, 'default', logger)).toEqual([]);

  // Usable at once: a workflow started with them is found by its org.
  const orgId = 'f0e1d2c3-0000-4000-8000-000000000001';
  await bare.client.workflow.start('NoSuchWorkflow', {
    taskQueue: 'nobody-polls',
    workflowId: `sa-${orgId}`,
    typedSearchAttributes: [{ key: SEARCH_ATTRIBUTE_KEYS[0], value: orgId }],
  });
  let found: string[] = [];
  for (let i = 0; i < 100 && found.length === 0; i++) {
    found = [];
    for await (const wf of bare.client.workflow.list({ query: `SitewardenOrgId='${orgId}'` })) found.push(wf.workflowId);
    if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(found).toEqual([`sa-${orgId}`]);
  await bare.client.workflow.getHandle(`sa-${orgId}`).terminate();
  expect(lines.filter((line) => JSON.parse(line).msg === 'search attributes registered')).toHaveLength(1);
}, 60_000);
