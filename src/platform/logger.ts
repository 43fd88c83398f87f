import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

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
  // The Temporal SDK's activity log fields: a task token completes the activity for whoever holds it.
  'taskToken',
];

/**
 * One log format for every process: pino JSON lines on stdout (or on `destination`, for tests
 * that read the logs). On a terminal the same records are printed by pino-pretty instead,
 * synchronously in this thread (no transport worker), so Ctrl-C loses nothing.
 */
export function createLogger(level: string, name: string, destination?: DestinationStream): Logger {
  const options = { name, level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (destination) return pino(options, destination);
  if (process.stdout.isTTY) return pino(options, pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' }));
  return pino(options);
}

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * The Temporal SDK's Logger interface over pino: the worker's, its activities' and workflows'
 * `log` calls and the Core's forwarded logs come out as the process's own JSON lines, with the
 * SDK's metadata (sdkComponent, workflowId, activityType…) as fields. `shift` lowers every level
 * by that many steps (the webpack bundle report is debug, not info).
 */
export function temporalLogger(logger: Logger, shift = 0): TemporalLogger {
  const order = ['trace', 'debug', 'info', 'warn', 'error'] as const;
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const index = order.indexOf(LEVELS[level] ?? 'info');
    const method = level === 'ERROR' ? 'error' : order[Math.max(0, index - shift)]!;
    if (meta && Object.keys(meta).length > 0) logger[method](meta, message);
    else logger[method](message);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

export type { Logger };
