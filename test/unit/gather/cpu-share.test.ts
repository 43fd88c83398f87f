import { CpuShare } from '../../../src/gather/cpu-share.ts';

/** A yielding browser's niceness as the share sets it (what the confinement would write). */
function yielder(share: CpuShare, niceness: number, forMs = 60_000) {
  const applied: number[] = [];
  const release = share.yieldTo(niceness, forMs, (value) => applied.push(value));
  return { applied, release, now: () => applied.at(-1) ?? 0 };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('CpuShare: axe yields to Lighthouse, and only to it', () => {
  test('a yielding browser is lowered while a favoured one runs, and set back to 0 when none does', () => {
    const share = new CpuShare();
    const axe = yielder(share, 10);
    expect(axe.applied).toEqual([]); // nothing beside it: left at 0, nothing written
    const lighthouse = share.favour();
    expect(axe.now()).toBe(10);
    const second = share.favour(); // two Lighthouse slots (BROWSER_CONCURRENCY=2)
    lighthouse();
    expect(axe.now()).toBe(10); // one still runs
    second();
    expect(axe.applied).toEqual([10, 0]);
    axe.release();
  });

  test('a yielding browser started while a favoured one runs starts lowered', () => {
    const share = new CpuShare();
    const lighthouse = share.favour();
    const axe = yielder(share, 7);
    expect(axe.applied).toEqual([7]);
    lighthouse();
    expect(axe.applied).toEqual([7, 0]);
  });

  test('it yields for at most forMs from its start: past that it runs at 0 whatever runs beside it', () => {
    const share = new CpuShare();
    const lighthouse = share.favour();
    const axe = yielder(share, 10, 10_000);
    jest.advanceTimersByTime(9_999);
    expect(axe.now()).toBe(10);
    jest.advanceTimersByTime(1);
    expect(axe.applied).toEqual([10, 0]);
    const next = share.favour(); // the next Lighthouse run (lighthouse_runs > 1) does not lower it again
    expect(axe.applied).toEqual([10, 0]);
    next();
    lighthouse();
    expect(axe.applied).toEqual([10, 0]);
  });

  test('off (niceness 0): never written; a released browser is no longer touched', () => {
    const share = new CpuShare();
    const off = yielder(share, 0);
    const gone = yielder(share, 10);
    gone.release();
    const lighthouse = share.favour();
    lighthouse();
    expect(off.applied).toEqual([]);
    expect(gone.applied).toEqual([]);
    lighthouse(); // a second call changes nothing
    const axe = yielder(share, 10);
    expect(axe.applied).toEqual([]);
  });
});
