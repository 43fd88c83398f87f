import { createHmac } from 'node:crypto';
import { signatureHeader, verifySignature } from '../../../src/notifications/signature.ts';

const secret = 'whsec_test-secret';
const body = JSON.stringify({ id: 'e1', type: 'scan.completed', created_at: '2026-12-04T00:00:00.000Z', data: {} });

it('signs t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">, which an independent HMAC reproduces', () => {
  const header = signatureHeader(secret, body, 1_800_000_000);
  const expected = createHmac('sha256', secret).update(`1800000000.${body}`).digest('hex');
  expect(header).toBe(`t=1800000000,v1=${expected}`);
});

it('verifies a fresh signature, and refuses a changed body, another secret, a stale timestamp and garbage', () => {
  const now = 1_800_000_000_000;
  const header = signatureHeader(secret, body, now / 1000);
  expect(verifySignature(header, body, secret, 300, now)).toEqual({ ok: true, timestamp: now / 1000 });
  expect(verifySignature(header, body.replace('e1', 'e2'), secret, 300, now)).toMatchObject({ ok: false, reason: 'signature mismatch' });
  expect(verifySignature(header, body, 'whsec_other', 300, now)).toMatchObject({ ok: false, reason: 'signature mismatch' });
  expect(verifySignature(header, body, secret, 300, now + 301_000)).toMatchObject({ ok: false, reason: 'timestamp outside the tolerance' });
  for (const bad of [undefined, '', 't=abc,v1=00', `t=${now / 1000}`, `v1=${'0'.repeat(64)}`, 'x'.repeat(2_000)]) {
    expect(verifySignature(bad, body, secret, 300, now).ok).toBe(false);
  }
});
