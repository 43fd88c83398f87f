/**
 * A finding's evidence is what a check saw on an attacker-controlled page: any JSON. It is shown
 * as text nodes (never HTML), as a table for objects (headers, metrics) and a list for arrays
 * (elements), with bounded depth, breadth and length, so a hostile page cannot make the view
 * huge or slow.
 */
export type EvidenceNode =
  | { kind: 'text'; value: string; code: boolean }
  | { kind: 'list'; items: EvidenceNode[]; more: number }
  | { kind: 'table'; rows: Array<[string, EvidenceNode]>; more: number };

export const LIMITS = { depth: 4, entries: 50, chars: 2000 };

const clip = (s: string) => (s.length > LIMITS.chars ? `${s.slice(0, LIMITS.chars)}…` : s);

export function evidenceTree(value: unknown, depth = 0): EvidenceNode {
  if (value === null || value === undefined) return { kind: 'text', value: '—', code: false };
  if (typeof value === 'string') {
    // Markup, selectors and header values read better in monospace.
    return { kind: 'text', value: clip(value), code: /[<>{}=;#]|^\S+\.\S+$/.test(value) };
  }
  if (typeof value === 'number') return { kind: 'text', value: Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000), code: false };
  if (typeof value === 'boolean') return { kind: 'text', value: value ? 'yes' : 'no', code: false };
  if (depth >= LIMITS.depth) return { kind: 'text', value: clip(JSON.stringify(value) ?? ''), code: true };
  if (Array.isArray(value)) {
    return { kind: 'list', items: value.slice(0, LIMITS.entries).map((v) => evidenceTree(v, depth + 1)), more: Math.max(0, value.length - LIMITS.entries) };
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return {
      kind: 'table',
      rows: entries.slice(0, LIMITS.entries).map(([k, v]) => [clip(k.replace(/_/g, ' ')), evidenceTree(v, depth + 1)]),
      more: Math.max(0, entries.length - LIMITS.entries),
    };
  }
  return { kind: 'text', value: clip(String(value)), code: false };
}
