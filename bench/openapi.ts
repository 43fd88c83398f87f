/**
 * What the OpenAPI document costs: generating it (once per API process, on the first GET /openapi.json), its size on
 * the wire, and what checking one response against it costs the integration tests.
 *
 *   source scripts/lib.sh && ensure_node
 *   node_modules/.bin/tsx bench/openapi.ts
 *
 * No database or Temporal: the document is built from the zod schemas alone. Results on stdout.
 */
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';

const ROUNDS = Number(process.env.ROUNDS ?? 20);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const importStart = performance.now();
  const openapi = await import('../src/api/openapi.ts');
  const importMs = performance.now() - importStart;

  const first = performance.now();
  const doc = openapi.openApiDocument();
  const firstMs = performance.now() - first;

  const json = JSON.stringify(doc);
  const paths = Object.keys(doc.paths ?? {}).length;
  const schemas = Object.keys(doc.components?.schemas ?? {}).length;

  // The response checker of test/support/http.ts: compile once, then one check per response.
  const { responseProblems } = await import('../test/support/openapi-contract.ts');
  const url = 'http://127.0.0.1:1/api/v1/orgs/7d8a3f7e-1c2b-4e5f-8a9b-0c1d2e3f4a5b/projects/p/audit/scans';
  const headers = new Headers({ 'content-type': 'application/json', 'x-request-id': 'F-abcdefgh', 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '1', 'x-ratelimit-reset': '1' });
  const run = (await import('../src/api/schemas/responses.ts')).scanRunSchema.meta()!.example;
  const text = JSON.stringify({ data: Array.from({ length: 50 }, () => run), meta: { request_id: 'F-abcdefgh', total: 50, next_cursor: null }, error: null });
  const compileStart = performance.now();
  if (responseProblems('GET', url, { status: 200, headers, text }).length) throw new Error('the bench response does not conform');
  const compileMs = performance.now() - compileStart;
  const checks: number[] = [];
  for (let i = 0; i < ROUNDS * 10; i++) {
    const start = performance.now();
    responseProblems('GET', url, { status: 200, headers, text });
    checks.push(performance.now() - start);
  }

  console.log(`openapi document: ${paths} paths, ${schemas} component schemas`);
  console.log(`  size                 ${(json.length / 1024).toFixed(1)} KiB JSON, ${(gzipSync(json).length / 1024).toFixed(1)} KiB gzip`);
  console.log(`  import (zod-openapi, zod, the schemas)       ${importMs.toFixed(0)} ms`);
  console.log(`  generation (once per process)                  ${firstMs.toFixed(0)} ms`);
  console.log(`  response check: first (compiles Ajv)           ${compileMs.toFixed(0)} ms`);
  console.log(`  response check: median of ${checks.length} (a page of 50 scan runs)  ${median(checks).toFixed(2)} ms`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
