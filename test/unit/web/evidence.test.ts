import { evidenceTree, LIMITS } from '../../../web/src/lib/evidence.ts';

describe('evidence rendering model', () => {
  it('shows headers as a table, elements as a list and markup as code', () => {
    const tree = evidenceTree({ header: 'content-security-policy', value: null, elements: ['<img src=x>', 'plain words'], score: 0.12345, ok: false });
    expect(tree).toEqual({
      kind: 'table',
      more: 0,
      rows: [
        ['header', { kind: 'text', value: 'content-security-policy', code: false }],
        ['value', { kind: 'text', value: '—', code: false }],
        ['elements', { kind: 'list', more: 0, items: [{ kind: 'text', value: '<img src=x>', code: true }, { kind: 'text', value: 'plain words', code: false }] }],
        ['score', { kind: 'text', value: '0.123', code: false }],
        ['ok', { kind: 'text', value: 'no', code: false }],
      ],
    });
  });

  it('bounds what a hostile page can put in it: breadth, length and depth', () => {
    const wide = evidenceTree(Array.from({ length: 5000 }, (_, i) => i));
    expect(wide.kind === 'list' && [wide.items.length, wide.more]).toEqual([LIMITS.entries, 5000 - LIMITS.entries]);
    const long = evidenceTree('x'.repeat(100_000));
    expect(long.kind === 'text' && long.value.length).toBe(LIMITS.chars + 1);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 1000; i++) deep = { d: deep };
    let node = evidenceTree(deep);
    let depth = 0;
    while (node.kind === 'table') {
      node = node.rows[0]![1];
      depth++;
    }
    expect(depth).toBe(LIMITS.depth);
    expect(node.kind === 'text' && node.value.length).toBeLessThanOrEqual(LIMITS.chars + 1);
  });
});
