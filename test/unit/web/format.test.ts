import { dueLabel, dueSoon } from '../../../web/src/lib/format.ts';

const NOW = Date.parse('2026-12-04T12:00:00Z');
const at = (hours: number) => new Date(NOW + hours * 3_600_000).toISOString();

describe('SLA labels and the due-soon list', () => {
  it('says how far a due date is, either way', () => {
    expect(dueLabel(at(3), NOW)).toEqual({ text: 'due in 3 h', overdue: false });
    expect(dueLabel(at(-50), NOW)).toEqual({ text: '2 d overdue', overdue: true });
    expect(dueLabel(at(0.1), NOW)).toEqual({ text: 'due in 6 min', overdue: false });
    expect(dueLabel(null, NOW)).toEqual({ text: 'no SLA', overdue: false });
    expect(dueLabel('garbage', NOW)).toEqual({ text: 'no SLA', overdue: false });
  });

  it('lists open tasks due within a week, soonest first, leaving out done, overdue and later ones', () => {
    const tasks = [
      { id: 'later', status: 'backlog', sla_due_at: at(24 * 8) },
      { id: 'b', status: 'in_progress', sla_due_at: at(48) },
      { id: 'done', status: 'done', sla_due_at: at(1) },
      { id: 'past', status: 'blocked', sla_due_at: at(-1) },
      { id: 'a', status: 'backlog', sla_due_at: at(2) },
      { id: 'none', status: 'backlog', sla_due_at: null },
    ];
    expect(dueSoon(tasks, NOW).map((t) => t.id)).toEqual(['a', 'b']);
  });
});
