import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { openApiDocument } from '../../src/api/openapi.ts';

/**
 * The OpenAPI document as a contract: which routes Express registers, and whether a response
 * is one the document describes (status, content type, required headers, body schema).
 */

export const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
  rawPath?: string | RegExp | Array<string | RegExp>;
}

/** `METHOD /path/{param}` for every route in the app's router stack, mounted routers included. */
export function registeredRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of ([] as string[]).concat(layer.route.path)) {
          for (const method of Object.keys(layer.route.methods)) if (method !== '_all') found.push(`${method.toUpperCase()} ${template(prefix + path)}`);
        }
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string') throw new Error(`a router mounted at a non-string path (${String(layer.rawPath)}): extend registeredRoutes`);
        walk(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return found.sort();
}

/** Express's `:param` as OpenAPI's `{param}`. */
const template = (path: string) => path.replace(/:(\w+)/g, '{$1}');

export function documentedRoutes(): string[] {
  const doc = openApiDocument();
  return Object.entries(doc.paths ?? {})
    .flatMap(([path, item]) => METHODS.filter((m) => (item as Record<string, unknown>)[m]).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

// ── response checking ────────────────────────────────────────────────────────────────────────

type Json = Record<string, any>;
const DOC_ID = 'sitewarden-openapi';

let ajv: Ajv2020 | undefined;
const validators = new Map<string, ValidateFunction>();

function schemaValidator(pointer: string): ValidateFunction {
  if (!ajv) {
    // strict off: the document's schemas carry OpenAPI's `example`, which JSON Schema does not know.
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ ...openApiDocument(), $id: DOC_ID });
  }
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(`${DOC_ID}#${pointer}`);
    if (!validate) throw new Error(`no schema at ${pointer}`);
    validators.set(pointer, validate);
  }
  return validate;
}

/** Ajv's errors for `value` against the schema at a JSON pointer into the document; empty when it is valid. */
export function schemaErrors(pointer: string, value: unknown): string[] {
  const validate = schemaValidator(pointer);
  return validate(value) ? [] : [ajv!.errorsText(validate.errors)];
}

export const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

interface Matcher {
  path: string;
  regex: RegExp;
  params: number;
}

let matchers: Matcher[] | undefined;

/** The documented path template a request path falls under: literal segments win over parameters. */
export function matchPath(path: string): string | undefined {
  matchers ??= Object.keys(openApiDocument().paths ?? {})
    .map((p) => ({
      path: p,
      regex: new RegExp(`^${p.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '[^/]+')}/?$`),
      params: (p.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);
  return matchers.find((m) => m.regex.test(path))?.path;
}

function resolve(node: Json): Json {
  if (typeof node?.$ref !== 'string') return node;
  const parts = (node.$ref as string).replace(/^#\//, '').split('/');
  return resolve(parts.reduce<Json>((at, key) => at[key.replace(/~1/g, '/').replace(/~0/g, '~')], openApiDocument() as Json));
}

export interface CheckedResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** Whether the document has anything to say about this URL (the API's own routes only). */
export function isApiPath(path: string): boolean {
  return path.startsWith('/api/v1/') || ['/healthz', '/readyz', '/openapi.json', '/docs'].includes(path) || path.startsWith('/docs/assets/');
}

/**
 * The problems with a response against the document, empty when it conforms. A path or method
 * the document does not have must answer with one of the error envelopes (Express's 404).
 */
export function responseProblems(method: string, url: string, res: CheckedResponse): string[] {
  const path = new URL(url).pathname;
  const doc = openApiDocument() as Json;
  const template = matchPath(path);
  const operation = template ? doc.paths[template][method.toLowerCase()] : undefined;
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const problems: string[] = [];

  if (!operation) {
    if (mediaType !== 'application/json') return [`an undocumented route answered ${res.status} ${mediaType || '(no content type)'}, not an error envelope`];
    const body = JSON.parse(res.text) as Json;
    const code = body?.error?.code as string | undefined;
    const where = code ? `/components/schemas/Error_${code}` : '/components/schemas/RateLimited';
    if (code && !doc.components.schemas[`Error_${code}`]) return [`an undocumented route answered error code ${code}`];
    const validate = schemaValidator(where);
    if (!validate(body)) problems.push(`an undocumented route answered ${res.status}: ${ajv!.errorsText(validate.errors)}`);
    return problems;
  }

  const operationPointer = `/paths/${escapePointer(template!)}/${method.toLowerCase()}`;
  const documented = operation.responses[String(res.status)];
  if (!documented) return [`${method} ${template}: status ${res.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
  const response = resolve(documented);
  const responsePointer = documented.$ref ? (documented.$ref as string).slice(1) : `${operationPointer}/responses/${res.status}`;

  for (const [name, header] of Object.entries((response.headers ?? {}) as Record<string, Json>)) {
    if (resolve(header).required && !res.headers.has(name)) problems.push(`${method} ${template} ${res.status}: header ${name} is missing`);
  }
  const content = (response.content ?? {}) as Record<string, Json>;
  if (!content[mediaType]) {
    problems.push(`${method} ${template} ${res.status}: content type ${mediaType || '(none)'} is not documented (${Object.keys(content).join(', ')})`);
    return problems;
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    let body: unknown;
    try {
      body = JSON.parse(res.text);
    } catch {
      return [...problems, `${method} ${template} ${res.status}: the body is not JSON`];
    }
    const validate = schemaValidator(`${responsePointer}/content/${escapePointer(mediaType)}/schema`);
    if (!validate(body)) problems.push(`${method} ${template} ${res.status}: ${ajv!.errorsText(validate.errors, { dataVar: 'body' })}`);
  }
  return problems;
}
