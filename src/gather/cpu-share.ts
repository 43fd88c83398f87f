/**
 * Who gets the CPU when a worker runs Lighthouse and axe at once (axe's own slots,
 * BROWSER_AXE_CONCURRENCY): Lighthouse's run time and its lab figures (TBT comes from the trace's
 * CPU work) depend on the CPU it gets; axe's findings do not. So while a Lighthouse browser of this
 * process runs, each axe browser is lowered to its niceness (BROWSER_AXE_NICE), and set back to 0
 * as soon as none runs: axe then yields to Lighthouse, not to the rest of the machine.
 *
 * Starvation: a nice value is a weight, not a cap (axe still gets its share, ~1/10 at nice 10
 * against one busy Lighthouse, and all the CPU Lighthouse leaves idle). But outside a cgroup the
 * weight counts against every other busy autogroup on the machine too, and on a loaded machine
 * (load 18 on 2 cores) a browser at nice 10 for its whole life could not start within axe's
 * timeouts (measured: a 170 s wall-clock kill). So each axe browser yields for at most `forMs`
 * from its start (a third of its own page budget, gatherAccessibility): past that it runs at 0
 * whatever runs beside it, with the rest of its budget at the priority it had before.
 */
export class CpuShare {
  private favoured = 0;
  private readonly yielding = new Set<Yielder>();

  /** A browser to favour (Lighthouse) starts; the returned function is called when it is gone. */
  favour(): () => void {
    this.favoured++;
    this.update();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.favoured--;
      this.update();
    };
  }

  /**
   * A browser that yields (axe) starts: `apply` sets its niceness (0 or `niceness`) whenever that
   * changes, for at most `forMs`; the returned function is called when it is gone. `niceness` 0: off.
   */
  yieldTo(niceness: number, forMs: number, apply: (niceness: number) => unknown): () => void {
    if (niceness === 0) return () => {};
    const yielder: Yielder = { niceness, apply, current: 0, timer: undefined };
    yielder.timer = setTimeout(() => {
      this.yielding.delete(yielder);
      this.set(yielder, 0);
    }, forMs);
    yielder.timer.unref();
    this.yielding.add(yielder);
    this.update();
    return () => {
      clearTimeout(yielder.timer);
      this.yielding.delete(yielder);
    };
  }

  private update(): void {
    for (const yielder of this.yielding) this.set(yielder, this.favoured > 0 ? yielder.niceness : 0);
  }

  private set(yielder: Yielder, niceness: number): void {
    if (yielder.current === niceness) return;
    yielder.current = niceness;
    yielder.apply(niceness);
  }
}

interface Yielder {
  niceness: number;
  apply: (niceness: number) => unknown;
  current: number;
  timer: NodeJS.Timeout | undefined;
}

/** The worker process's browsers. */
export const cpuShare = new CpuShare();
