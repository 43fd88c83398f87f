import type { Response } from 'express';
import type { ApiError } from './errors.ts';

export interface ListMeta {
  total: number;
  next_cursor: string | null;
}

export function sendData(res: Response, status: number, data: unknown, meta?: ListMeta): void {
  res.status(status).json({ data, meta: { request_id: res.locals.requestId, ...meta }, error: null });
}

export function sendError(res: Response, error: ApiError): void {
  const body = { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  res.status(error.status).json({ data: null, meta: { request_id: res.locals.requestId }, error: body });
}
