/**
 * Copies everything this test process writes (stdout, stderr and console: the worker's and the
 * SDK's own output, Temporal's default logger) into `lines`, still printing it: for tests that
 * search the logs for a secret. Jest restores the spies.
 */
export function captureProcessOutput(lines: string[]): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    jest.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[method].bind(console);
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
      original(...args);
    });
  }
}
