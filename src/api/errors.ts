import type { ZodError } from 'zod';

/** Every error code the API answers with, and its HTTP status (the OpenAPI document lists them from here). */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_params: 422,
  quota_exceeded: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Field path → messages, as in a changeset error ("url": ["must be public"]). */
export type FieldErrors = Record<string, string[]>;

/** `error.details`: field errors, or facts of the refusal (a quota's limit and reset time). */
export type ErrorDetails = FieldErrors | Record<string, string | number>;

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetails,
    cause?: unknown,
  ) {
    super(message, { cause });
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (): ApiError => new ApiError('not_found', 'Not found');

export function invalidParams(fields: FieldErrors): ApiError {
  return new ApiError('invalid_params', `Invalid parameters: ${Object.keys(fields).join(', ')}`, fields);
}

export function fieldErrorsFromZod(error: ZodError): FieldErrors {
  const fields: FieldErrors = {};
  const add = (path: string, message: string) => (fields[path] ??= []).push(message);
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add([...issue.path, key].join('.'), 'is not a known field');
    } else {
      add(issue.path.join('.') || 'body', issue.message);
    }
  }
  return fields;
}
