import pino, { type Logger } from 'pino';

/** Paths that may hold secrets anywhere in a logged object. */
const REDACT = [
  'authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  '*.apiKey',
  '*.api_key',
  '*.key',
  '*.password',
  '*.secret',
  '*.credentials',
  '*.token',
];

export function createLogger(level: string, name: string): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}

export type { Logger };
