import { execFileSync } from 'node:child_process';
import type { Client } from '@temporalio/client';
import { createApp } from '../../../src/api/app.ts';
import { z } from 'zod';
import { openApiDocument } from '../../../src/api/openapi.ts';
import * as requests from '../../../src/api/schemas/requests.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { connectDatabase, type Database } from '../../../src/platform/db.ts';
import { createLogger } from '../../../src/platform/logger.ts';
import { documentedRoutes, escapePointer, registeredRoutes, responseProblems, schemaErrors } from '../../support/openapi-contract.ts';

/**
 * Documented ahead of the routes that other branches add (issue 12): the SSE stream and the
 * metrics endpoint. Once a route here is registered, the test below fails until it is removed
 * from this list.
 */

/** @seriousme/openapi-schema-validator (the official 3.1 schema) is ESM only, which Jest's module system does not load: it runs in plain Node. */
function validateOpenApi(document: unknown): { valid: boolean; errors: unknown[]; version: string } {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    const chunks = [];
    for await (const chunk of process.stdin) chunks.push(chunk);
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    process.stdout.write(JSON.stringify({ valid: result.valid, errors: result.errors ?? [], version: validator.version }));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(document), encoding: 'utf8' }));
}

let db: Database;
let routes: string[];

beforeAll(() => {
  const config = loadConfig(process.env);
  // No query is made: the pool connects on first use, and no route is called.
  db = connectDatabase(config.DATABASE_URL, 1);
  routes = registeredRoutes(createApp({ config, db, temporal: {} as Client, logger: createLogger('silent', 'test') }));
});
afterAll(() => db.close());

describe('the OpenAPI document and the routes Express registers', () => {
  it('finds the routes of every mounted router (the walk itself works)', () => {
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /api/v1/exports/{token}',
        'POST /api/v1/orgs/{org_id}/projects/{project_id}/audit/scans/run',
        'POST /api/v1/orgs/{org_id}/projects/{project_id}/audit/verifications/{verification_id}/approve',
      ]),
    );
    expect(routes.length).toBeGreaterThan(30);
  });

  it('documents every registered route', () => {
    expect(routes.filter((route) => !documentedRoutes().includes(route))).toEqual([]);
  });

  it('documents nothing that is not registered', () => {
    expect(documentedRoutes().filter((route) => !routes.includes(route))).toEqual([]);
  });
});

describe('the document', () => {
  it('passes the OpenAPI 3.1 schema validator', () => {
    const result = validateOpenApi(openApiDocument());
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ valid: true, version: '3.1' });
  });

  it('is refused by that validator when it is broken (the check can fail)', () => {
    const broken = { ...openApiDocument(), paths: { '/x': { get: { responses: { '200': { content: 'nope' } } } } } };
    expect(validateOpenApi(broken).valid).toBe(false);
  });

  it('serves a JSON Schema for every request body and every JSON response', () => {
    const doc = openApiDocument() as any;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect([path, method, Object.keys(op.responses).length > 0]).toEqual([path, method, true]);
        const body = op.requestBody?.content?.['application/json']?.schema;
        if (op.requestBody) expect([path, method, body === undefined]).toEqual([path, method, false]);
      }
    }
  });

  it('names every operation with a unique operationId (what a generic client calls it by)', () => {
    const doc = openApiDocument() as any;
    const ids: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect([method, path, op.operationId]).toEqual([method, path, expect.stringMatching(/^[a-z][A-Za-z0-9]*$/)]);
        ids.push(op.operationId);
      }
    }
    expect(ids.length).toBeGreaterThan(30);
    expect(new Set(ids).size).toBe(ids.length);
    // Named by verb for the Krafter routes a client calls most.
    expect(ids).toEqual(expect.arrayContaining(['runScan', 'getScan', 'listFindings', 'approveVerification', 'exportReport']));
  });

  it('names every error code the API has, each under its own status', () => {
    const doc = openApiDocument() as any;
    const codes = doc.components.schemas.ErrorCode.enum as string[];
    expect(codes).toEqual(expect.arrayContaining(['bad_request', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'invalid_params', 'quota_exceeded', 'unavailable']));
    for (const code of codes) expect([code, doc.components.schemas[`Error_${code}`]?.properties?.error?.properties?.code?.const]).toEqual([code, code]);
  });
});

describe('the examples', () => {
  it('are valid by their own schemas', () => {
    const doc = openApiDocument() as any;
    const checked: string[] = [];
    for (const [name, schema] of Object.entries<any>(doc.components.schemas)) {
      if (schema.example === undefined) continue;
      checked.push(name);
      expect([name, schemaErrors(`/components/schemas/${name}`, schema.example)]).toEqual([name, []]);
    }
    for (const [name, response] of Object.entries<any>(doc.components.responses)) {
      const media = response.content['application/json'];
      checked.push(name);
      expect([name, schemaErrors(`/components/responses/${escapePointer(name)}/content/application~1json/schema`, media.example)]).toEqual([name, []]);
    }
    expect(checked).toEqual(expect.arrayContaining(['ScanRun', 'RunScanRequest', 'RateLimited', 'not_found_rate_limited']));
  });

  it('of request bodies are accepted by the schemas the routes parse with', () => {
    const bodies = Object.entries(requests).filter(([, schema]) => schema instanceof z.ZodType && (schema.meta() as { example?: unknown } | undefined)?.example !== undefined);
    expect(bodies.length).toBeGreaterThanOrEqual(8);
    for (const [name, schema] of bodies) {
      const result = (schema as z.ZodType).safeParse((schema as z.ZodType).meta()!.example);
      expect([name, result.error?.issues ?? []]).toEqual([name, []]);
    }
  });
});

describe('the response checker the integration tests use', () => {
  const base = 'http://127.0.0.1:1/api/v1/orgs/7d8a3f7e-1c2b-4e5f-8a9b-0c1d2e3f4a5b/projects/p/audit';
  const headers = (extra: Record<string, string> = {}) =>
    new Headers({ 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'F-abcdefgh', 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99', 'x-ratelimit-reset': '1', ...extra });
  const envelope = (data: unknown, meta: object = {}) => JSON.stringify({ data, meta: { request_id: 'F-abcdefgh', ...meta }, error: null });

  it('accepts a conforming answer', () => {
    expect(responseProblems('GET', `${base}/scans`, { status: 200, headers: headers(), text: envelope([], { total: 0, next_cursor: null }) })).toEqual([]);
  });

  it('refuses an undocumented field, a missing field, a wrong type', () => {
    const text = envelope([], { total: 0, next_cursor: null, surprise: 1 });
    expect(responseProblems('GET', `${base}/scans`, { status: 200, headers: headers(), text }).join()).toMatch(/additional properties/);
    expect(responseProblems('GET', `${base}/scans`, { status: 200, headers: headers(), text: envelope([]) }).join()).toMatch(/must have required property 'total'/);
    expect(responseProblems('GET', `${base}/scans`, { status: 200, headers: headers(), text: envelope({}, { total: 0, next_cursor: null }) }).join()).toMatch(/must be array/);
  });

  it('refuses an undocumented status, content type, a missing header, an error code under the wrong status', () => {
    expect(responseProblems('GET', `${base}/scans`, { status: 418, headers: headers(), text: '{}' }).join()).toMatch(/status 418 is not documented/);
    expect(responseProblems('GET', `${base}/scans`, { status: 200, headers: headers({ 'content-type': 'text/html' }), text: '' }).join()).toMatch(/content type text\/html/);
    const noLimit = headers();
    noLimit.delete('x-ratelimit-limit');
    expect(responseProblems('GET', `${base}/scans`, { status: 200, headers: noLimit, text: envelope([], { total: 0, next_cursor: null }) }).join()).toMatch(/x-ratelimit-limit is missing/);
    const forbidden = JSON.stringify({ data: null, meta: { request_id: 'F-abcdefgh' }, error: { code: 'forbidden', message: 'x' } });
    expect(responseProblems('GET', `${base}/scans`, { status: 404, headers: headers(), text: forbidden }).join()).toMatch(/must be equal to constant/);
  });

  it('holds an undocumented route to the error envelope', () => {
    const notFound = JSON.stringify({ data: null, meta: { request_id: 'F-abcdefgh' }, error: { code: 'not_found', message: 'Not found' } });
    expect(responseProblems('DELETE', `${base}/scans`, { status: 404, headers: headers(), text: notFound })).toEqual([]);
    expect(responseProblems('GET', `${base}/nothing-here`, { status: 200, headers: headers({ 'content-type': 'text/plain' }), text: 'hi' })).not.toEqual([]);
  });
});
