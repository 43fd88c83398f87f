import type { ErrorRequestHandler, RequestHandler } from 'express';
import { Prisma } from '../../generated/prisma/client.ts';
import type { Logger } from '../../platform/logger.ts';
import { AiQuotaExceeded } from '../../services/ai-quota.ts';
import { RuleConflict } from '../../services/conflicts.ts';
import { WorkflowNotStarted } from '../../services/kickoff.ts';
import { sendError } from '../envelope.ts';
import { ApiError, notFound } from '../errors.ts';

/** body-parser's errors carry a `type`; they are the client's fault, never a 500. */
const BODY_PARSER_ERRORS: Record<string, ApiError> = {
  'entity.parse.failed': new ApiError('bad_request', 'Malformed JSON in request body'),
  'entity.too.large': new ApiError('payload_too_large', 'Request body is too large'),
  'encoding.unsupported': new ApiError('unsupported_media_type', 'Unsupported body encoding'),
  'charset.unsupported': new ApiError('unsupported_media_type', 'Unsupported body charset'),
  'request.aborted': new ApiError('bad_request', 'Request aborted'),
};

export const notFoundHandler: RequestHandler = () => {
  throw notFound();
};

/** The services' refusals, in the error envelope. */
function serviceError(err: unknown): ApiError | undefined {
  if (err instanceof RuleConflict) return new ApiError('conflict', err.message);
  if (err instanceof WorkflowNotStarted) return new ApiError('unavailable', err.publicMessage, undefined, err.cause);
  // P2028: every pooled connection stayed busy past the transaction's maxWait (a burst larger than
  // the pool, on a loaded machine). Nothing was written; the request can simply be sent again.
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2028') {
    return new ApiError('unavailable', 'The database is busy; try again shortly', undefined, err);
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    if (err instanceof AiQuotaExceeded) {
      res.setHeader('retry-after', String(err.retryAfterSeconds()));
      return sendError(res, new ApiError('quota_exceeded', err.message, { limit: err.limit, period: err.period, reset_at: err.resetsAt.toISOString() }));
    }
    const parserError = typeof err === 'object' && err !== null && 'type' in err ? BODY_PARSER_ERRORS[String(err.type)] : undefined;
    const apiError = err instanceof ApiError ? err : (serviceError(err) ?? parserError);
    if (apiError && apiError.status < 500) return sendError(res, apiError);
    if (apiError?.code === 'unavailable') res.setHeader('retry-after', '1');
    logger.error({ err: apiError?.cause ?? err, request_id: res.locals.requestId }, apiError?.message ?? 'unhandled error');
    sendError(res, apiError ?? new ApiError('internal', 'Internal server error'));
  };
}
