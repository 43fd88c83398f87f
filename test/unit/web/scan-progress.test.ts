import { applyScanEvent, initialProgress, slotList, type Progress } from '../../../web/src/lib/scan-progress.ts';

type Run = { id: string; status: string };
const ev = (event: string, data: unknown, id?: string) => ({ event, data: typeof data === 'string' ? data : JSON.stringify(data), id });

describe('scan progress from the event stream', () => {
  it('starts from the run GET answered, keeping only known scanners and statuses', () => {
    const p = initialProgress<Run>({ scanner_status: { security: { status: 'running' }, seo: { status: 'bogus' as never }, other: { status: 'done' } }, analysis: null });
    expect(slotList(p)).toEqual([{ scanner: 'security', slot: { status: 'running' } }]);
  });

  it('applies scanner and analysis events and remembers the last event id', () => {
    let p: Progress<Run> = initialProgress<Run>();
    p = applyScanEvent(p, ev('scanner', { scanner: 'seo', status: 'running' }, '1'));
    p = applyScanEvent(p, ev('scanner', { scanner: 'seo', status: 'done' }, '2'));
    p = applyScanEvent(p, ev('scanner', { scanner: 'security', status: 'failed', error: 'x'.repeat(2000) }, '3'));
    p = applyScanEvent(p, ev('analysis', { status: 'skipped', reason: 'no provider' }, '4'));
    expect(p.slots.seo).toEqual({ status: 'done' });
    expect(p.slots.security?.status).toBe('failed');
    expect(p.slots.security?.error).toHaveLength(500);
    expect(p.analysis).toEqual({ status: 'skipped', reason: 'no provider' });
    expect(p.lastEventId).toBe('4');
    expect(p.final).toBeNull();
  });

  it('never moves a finished slot back on a replayed event', () => {
    let p = applyScanEvent(initialProgress<Run>(), ev('scanner', { scanner: 'seo', status: 'done' }));
    p = applyScanEvent(p, ev('scanner', { scanner: 'seo', status: 'running' }));
    expect(p.slots.seo?.status).toBe('done');
  });

  it('takes the final run, and its slots, from completed', () => {
    const run = { id: 'r', status: 'completed', scanner_status: { performance: { status: 'done' }, seo: { status: 'done' } } };
    const p = applyScanEvent(initialProgress<Run>({ scanner_status: { performance: { status: 'running' } } }), ev('completed', run, '9'));
    expect(p.final).toEqual({ status: 'completed', run });
    expect(slotList(p).map((s) => [s.scanner, s.slot.status])).toEqual([
      ['performance', 'done'],
      ['seo', 'done'],
    ]);
  });

  it('skips malformed events without losing state', () => {
    const start = applyScanEvent(initialProgress<Run>(), ev('scanner', { scanner: 'seo', status: 'running' }, '1'));
    for (const bad of [ev('scanner', '{not json', '2'), ev('scanner', '[1]', '3'), ev('scanner', { scanner: 'evil', status: 'done' }, '4'), ev('analysis', { status: 7 }, '5'), ev('mystery', {}, '6')]) {
      const after = applyScanEvent(start, bad);
      expect(after.slots).toEqual(start.slots);
      expect(after.analysis).toBeNull();
      expect(after.final).toBeNull();
    }
  });
});
