import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';

const SAFE_INCOMING = /^[A-Za-z0-9._-]{8,64}$/;

/** Krafter-style ids ("F-mxbAQk6m9lXeQAAATj"); a well-formed incoming x-request-id is kept. */
export function requestId(): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const id = incoming && SAFE_INCOMING.test(incoming) ? incoming : `F-${randomBytes(14).toString('base64url').slice(0, 18)}`;
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}
