import { planFindingEdit, type EditableFinding } from '../../src/domain/finding-edits.ts';

const finding: EditableFinding = { status: 'new', severity: 'high', severity_source: 'check', owner_id: null };
const OWNER = '22222222-2222-2222-2222-222222222222';

test('a legal move, a severity and an owner make one change', () => {
  expect(planFindingEdit(finding, { status: 'triaged', severity: 'low', owner_id: OWNER })).toEqual({
    ok: true,
    change: { status: 'triaged', severity: 'low', severitySource: 'manual', ownerId: OWNER },
  });
});

test('an illegal move is refused, naming both ends', () => {
  expect(planFindingEdit(finding, { status: 'resolved', owner_id: OWNER })).toEqual({ ok: false, reason: 'cannot move new → resolved' });
});

test('what the finding already has is not a change', () => {
  expect(planFindingEdit(finding, { status: 'new' })).toEqual({ ok: true, change: null });
  expect(planFindingEdit({ ...finding, owner_id: OWNER }, { owner_id: OWNER })).toEqual({ ok: true, change: null });
  expect(planFindingEdit({ ...finding, severity_source: 'manual' }, { severity: 'high' })).toEqual({ ok: true, change: null });
});

test('the current severity, given by a person, pins it as manual', () => {
  expect(planFindingEdit(finding, { severity: 'high' })).toEqual({ ok: true, change: { severity: 'high', severitySource: 'manual' } });
  expect(planFindingEdit({ ...finding, severity_source: 'policy' }, { severity: 'high' })).toEqual({ ok: true, change: { severity: 'high', severitySource: 'manual' } });
});

test('an owner can be removed', () => {
  expect(planFindingEdit({ ...finding, owner_id: OWNER }, { owner_id: null })).toEqual({ ok: true, change: { ownerId: null } });
});
