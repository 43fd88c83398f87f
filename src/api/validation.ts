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
