import { routeEvent, routingPreview, retryableStatus } from '../../../src/domain/notifications.ts';

const slackA = { id: '11111111-1111-4111-8111-111111111111', name: 'ops-slack', type: 'slack' as const };
const slackB = { id: '22222222-2222-4222-8222-222222222222', name: 'dev-slack', type: 'slack' as const };
const hook = { id: '33333333-3333-4333-8333-333333333333', name: 'ops-hook', type: 'webhook' as const };
const mail = { id: '44444444-4444-4444-8444-444444444444', name: 'oncall', type: 'email' as const };
const channels = [slackA, slackB, hook, mail];
const ids = (r: { channels: { id: string }[] }) => r.channels.map((c) => c.id).sort();

describe('routeEvent', () => {
  it('a severity key reaches finding events of exactly that severity, a bare type every channel of it', () => {
    const config = { alert_routing: { critical: ['slack', 'email'], high: ['slack'] } };
    expect(ids(routeEvent({ type: 'finding.critical_detected', severity: 'critical' }, config, channels))).toEqual([slackA.id, slackB.id, mail.id].sort());
    expect(ids(routeEvent({ type: 'finding.regressed', severity: 'high' }, config, channels))).toEqual([slackA.id, slackB.id].sort());
    expect(routeEvent({ type: 'finding.regressed', severity: 'medium' }, config, channels).channels).toEqual([]);
    // A severity key never applies to an event that is not about a finding.
    expect(routeEvent({ type: 'scan.completed', severity: 'critical' }, config, channels).channels).toEqual([]);
  });

  it('an event-type key reaches the channels its entries name, by id or by name, each once', () => {
    const config = { alert_routing: { 'verification.failed': [hook.id, 'oncall', 'ops-hook'], critical: ['webhook'] } };
    const route = routeEvent({ type: 'verification.failed', severity: null }, config, channels);
    expect(ids(route)).toEqual([hook.id, mail.id].sort());
    expect(route.trace).toEqual([
      { key: 'verification.failed', entry: hook.id, channel_ids: [hook.id] },
      { key: 'verification.failed', entry: 'oncall', channel_ids: [mail.id] },
      { key: 'verification.failed', entry: 'ops-hook', channel_ids: [hook.id] },
    ]);
  });

  it('reads a malformed alert_routing as no routes, never as an error', () => {
    for (const config of [null, {}, { alert_routing: 'slack' }, { alert_routing: ['slack'] }, { alert_routing: { critical: 'slack' } }, { alert_routing: { critical: [1] } }]) {
      expect(routeEvent({ type: 'finding.critical_detected', severity: 'critical' }, config, channels).channels).toEqual([]);
    }
  });
});

it('routingPreview lists the reached channels per event and names entries and keys that match nothing', () => {
  const preview = routingPreview({ alert_routing: { critical: ['slack', 'pager'], 'report.exported': ['oncall'], urgent: ['email'] } }, channels);
  expect(preview.routes.find((r) => r.event_type === 'finding.critical_detected' && r.severity === 'critical')?.channels.map((c) => c.name).sort()).toEqual(['dev-slack', 'ops-slack']);
  expect(preview.routes.find((r) => r.event_type === 'report.exported')?.channels).toEqual([mail]);
  expect(preview.routes.some((r) => r.event_type === 'scan.completed')).toBe(false);
  expect(preview.unmatched_entries).toEqual([{ key: 'critical', entry: 'pager' }]);
  expect(preview.unknown_keys).toEqual(['urgent']);
});

it('retries 408, 429 and 5xx; every other 4xx is final', () => {
  expect([500, 502, 503, 408, 429].every(retryableStatus)).toBe(true);
  expect([400, 401, 403, 404, 410, 422].some(retryableStatus)).toBe(false);
});
