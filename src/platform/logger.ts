import pino, { type DestinationStream, type Logger } from 'pino';

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

/** JSON lines on stdout, or on `destination` (tests that read the logs). */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
