import { Listr, ListrLogger, ProcessOutput } from 'listr2';
import { oneLine, slotChanges, type ProgressReporter, type ScanSnapshot } from './progress.ts';

const SETTLED = new Set(['done', 'failed', 'skipped']);

/** One line's state, made before listr2 calls its task, so no change is lost in between. */
class Slot {
  status = 'pending';
  error: string | undefined;
  private task: { title: string } | undefined;
  private finish!: () => void;
  readonly settled = new Promise<void>((resolve) => (this.finish = resolve));

  constructor(readonly name: string) {}

  attach(task: { title: string }): void {
    this.task = task;
    this.draw();
  }

  set(status: string, error?: string): void {
    if (SETTLED.has(this.status)) return;
    this.status = status;
    this.error = error;
    this.draw();
    if (SETTLED.has(status)) this.finish();
  }

  private draw(): void {
    if (this.task) this.task.title = `${this.name}: ${this.status}`;
  }
}

/**
 * A terminal: one live line per scanner and one for the AI stage (listr2's default renderer),
 * drawn on stderr so that stdout keeps only the result.
 */
export class TtyReporter implements ProgressReporter {
  private readonly slots = new Map<string, Slot>();
  private previous: ScanSnapshot | undefined;
  private running: Promise<unknown> | undefined;

  update(scan: ScanSnapshot): void {
    if (!this.running) this.start(scan);
    for (const change of slotChanges(this.previous, scan)) this.slots.get(change.slot)?.set(change.status, change.error);
    this.previous = scan;
  }

  async close(): Promise<void> {
    // A slot the scan never settled (it failed as a whole, or the wait was given up).
    for (const slot of this.slots.values()) slot.set('failed', 'did not finish');
    await this.running;
  }

  private start(scan: ScanSnapshot): void {
    // listr2 hides the cursor while it draws; Ctrl-C must give it back (the scan itself goes on).
    process.once('SIGINT', () => {
      process.stderr.write('\u001b[?25h\n');
      process.exit(130);
    });
    for (const name of [...Object.keys(scan.scanner_status ?? {}), 'analysis']) this.slots.set(name, new Slot(name));
    const tasks = new Listr(
      [...this.slots.values()].map((slot) => ({
        title: `${slot.name}: pending`,
        task: async (_ctx: unknown, task: { title: string; skip: (message: string) => void }) => {
          slot.attach(task);
          await slot.settled;
          const detail = slot.error ? ` (${oneLine(slot.error, 120)})` : '';
          if (slot.status === 'skipped') task.skip(`${slot.name}: skipped${detail}`);
          else if (slot.status === 'failed') throw new Error(`${slot.name}: failed${detail}`);
        },
      })),
      {
        concurrent: true,
        exitOnError: false,
        registerSignalListeners: false,
        rendererOptions: { logger: new ListrLogger({ processOutput: new ProcessOutput(process.stderr, process.stderr) }) },
      },
    );
    this.running = tasks.run().catch(() => undefined);
  }
}
