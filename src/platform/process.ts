import { ConfigError } from './config.ts';

/**
 * Runs a long-lived process: `start` returns its shutdown. SIGINT/SIGTERM shut it down once;
 * a configuration error prints its message (never a stack) and exits 1.
 */
export function runMain(start: () => Promise<() => Promise<void>>): void {
  start().then(
    (shutdown) => {
      let stopping = false;
      const stop = () => {
        if (stopping) return;
        stopping = true;
        shutdown().then(
          () => process.exit(0),
          (err: unknown) => {
            console.error(err);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err instanceof ConfigError ? err.message : err);
      process.exit(1);
    },
  );
}
