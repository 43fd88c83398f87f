/** Dates as people read them, in their locale; absent values as an em dash. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '—' : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** An SLA due date against now: "due in 3 h", "2 d overdue". */
export function dueLabel(iso: string | null | undefined, now: number): { text: string; overdue: boolean } {
  if (!iso) return { text: 'no SLA', overdue: false };
  const due = new Date(iso).getTime();
  if (Number.isNaN(due)) return { text: 'no SLA', overdue: false };
  const diff = due - now;
  const abs = Math.abs(diff);
  const unit = abs >= 86_400_000 ? `${Math.round(abs / 86_400_000)} d` : abs >= 3_600_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.max(1, Math.round(abs / 60_000))} min`;
  return diff < 0 ? { text: `${unit} overdue`, overdue: true } : { text: `due in ${unit}`, overdue: false };
}

export const label = (value: string) => value.replace(/_/g, ' ');

export function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)} %`;
}

const WEEK_MS = 7 * 86_400_000;

/** Open tasks whose SLA falls due within a week from now (not already past it), soonest first. */
export function dueSoon<T extends { status: string; sla_due_at: string | null }>(tasks: readonly T[], now: number): T[] {
  return tasks
    .map((t) => ({ t, due: t.sla_due_at ? Date.parse(t.sla_due_at) : Number.NaN }))
    .filter(({ t, due }) => t.status !== 'done' && due >= now && due - now <= WEEK_MS)
    .sort((a, b) => a.due - b.due)
    .map(({ t }) => t);
}
