import type { Request } from 'express';
import { z } from 'zod';
import { ApiError, fieldErrorsFromZod, invalidParams } from './errors.ts';

/** Parses a JSON body with a strict schema: unknown fields are rejected, nothing is coerced. */
export function parseBody<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  if (req.body === undefined) {
    throw new ApiError('bad_request', 'Request body must be JSON (Content-Type: application/json)');
  }
  if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
    throw new ApiError('bad_request', 'Request body must be a JSON object');
  }
  return parseOrThrow(schema, req.body);
}

export function parseQuery<T extends z.ZodType>(req: Request, schema: T): z.infer<T> {
  return parseOrThrow(schema, req.query);
}

function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidParams(fieldErrorsFromZod(parsed.error));
  return parsed.data;
}

export const uuidParam = z.uuid();

/** `limit`/`cursor` of keyset-paginated lists: default 50, max 200. */
export const cursorPageQuery = z.strictObject({
  cursor: z.string().min(1).max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** Far deeper than any real config, far shallower than where JSON.stringify and PostgreSQL run out of stack. */
const MAX_JSON_DEPTH = 64;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why PostgreSQL's jsonb would refuse or change a parsed JSON value, if it would. */
function jsonbStorageProblem(value: unknown, depth = 0): string | undefined {
  if (depth > MAX_JSON_DEPTH) return `nests deeper than ${MAX_JSON_DEPTH} levels`;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return 'contains a NUL character (\\u0000), which PostgreSQL cannot store';
    if (LONE_SURROGATE.test(value)) return 'contains an unpaired UTF-16 surrogate, which is not valid Unicode';
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return 'contains a number beyond the range of a double';
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, item] of Object.entries(value)) {
    const problem = (Array.isArray(value) ? undefined : jsonbStorageProblem(key, depth)) ?? jsonbStorageProblem(item, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * A free-form JSON object that is stored as sent (a policy's `config`): anything goes inside,
 * except what PostgreSQL's jsonb could not keep exactly. The parsed object itself is kept, so
 * its keys stay in the order they were sent.
 */
export const storedJsonObject = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { error: 'must be a JSON object' })
  .superRefine((value, ctx) => {
    const problem = jsonbStorageProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
