import { createHash, generateKeyPairSync } from 'node:crypto';
import { resolveInstanceSecret } from '../../../src/platform/crypto.ts';
import { keyIdOf, pae, signEnvelope, verifyEnvelope, type DsseEnvelope } from '../../../src/platform/signing.ts';
import { exportStatement, IN_TOTO_PAYLOAD_TYPE } from '../../../src/reports/evidence.ts';
import { readLink, signLink } from '../../../src/reports/links.ts';
import { verifyEvidence } from '../../../src/reports/verify.ts';

const artifact = Buffer.from('id,severity\r\n1,high\r\n');
const sha256 = createHash('sha256').update(artifact).digest('hex');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const key = { keyId: keyIdOf(publicKey), privateKey };

const statement = exportStatement({
  name: 'r1.csv',
  sha256,
  report: { id: 'r1', org_id: 'o', project_id: 'p', format: 'csv', storage_key: 'audit/o/p/r1.csv', media_type: 'text/csv', size_bytes: artifact.length },
  scanRuns: [{ id: 's1', url: 'https://example.com/', status: 'completed', finished_at: '2025-06-10T10:00:00.000Z' }],
  findingCount: 1,
  exportedAt: '2025-06-10T15:00:00.000Z',
});
const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(JSON.stringify(statement)), key);

/** Flips one base64 character of a field to another valid one. */
function tamper(text: string, at = Math.floor(text.length / 2)): string {
  const c = text[at]!;
  return text.slice(0, at) + (c === 'A' ? 'B' : 'A') + text.slice(at + 1);
}

describe('DSSE', () => {
  it("signs the pre-authentication encoding, as DSSE's spec example has it", () => {
    expect(pae('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe('DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('verifies, and names an in-toto v1 statement of the artifact', () => {
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    expect(envelope.signatures).toEqual([{ keyid: key.keyId, sig: expect.any(String) }]);
    const check = verifyEvidence(envelope, sha256, [publicKey]);
    expect(check).toMatchObject({ verified: true, subject: 'r1.csv', key_id: key.keyId });
    const parsed = JSON.parse(Buffer.from(envelope.payload, 'base64').toString());
    expect(parsed).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'r1.csv', digest: { sha256 } }],
      predicate: { finding_count: 1, exported_at: '2025-06-10T15:00:00.000Z', scan_runs: [{ id: 's1' }] },
    });
  });

  it('accepts the envelope bare, as {envelope, statement}, or as the API response', () => {
    expect(verifyEvidence({ envelope, statement }, sha256, [publicKey]).verified).toBe(true);
    expect(verifyEvidence({ data: { envelope, statement } }, sha256, [publicKey]).verified).toBe(true);
  });

  it('fails for a changed artifact byte, payload, signature, payload type or key', () => {
    const changed = Buffer.from(artifact);
    changed[3] = changed[3]! ^ 1;
    expect(verifyEvidence(envelope, createHash('sha256').update(changed).digest('hex'), [publicKey])).toMatchObject({ verified: false, reason: expect.stringMatching(/matches no subject/) });

    const otherStatement = { ...statement, predicate: { ...statement.predicate, finding_count: 2 } };
    const payloadSwapped: DsseEnvelope = { ...envelope, payload: Buffer.from(JSON.stringify(otherStatement)).toString('base64') };
    expect(verifyEvidence(payloadSwapped, sha256, [publicKey])).toMatchObject({ verified: false, reason: expect.stringMatching(/does not match/) });

    const sigChanged: DsseEnvelope = { ...envelope, signatures: [{ keyid: key.keyId, sig: tamper(envelope.signatures[0]!.sig) }] };
    expect(verifyEvidence(sigChanged, sha256, [publicKey]).verified).toBe(false);

    expect(verifyEnvelope({ ...envelope, payloadType: 'application/json' }, publicKey).ok).toBe(false);
    expect(verifyEvidence({ ...envelope, payloadType: 'application/json' }, sha256, [publicKey]).verified).toBe(false);

    const other = generateKeyPairSync('ed25519').publicKey;
    expect(verifyEvidence(envelope, sha256, [other])).toMatchObject({ verified: false, reason: expect.stringMatching(/none of the given keys/) });
  });

  it('refuses non-canonical base64, whose lenient decoding could hide a change', () => {
    const sig = envelope.signatures[0]!.sig;
    // The last character before the padding carries unused bits: a different character can decode to the same bytes.
    const padded = sig.endsWith('==') ? sig.length - 3 : sig.length - 2;
    const alias = sig.slice(0, padded) + String.fromCharCode(sig.charCodeAt(padded) + 1) + sig.slice(padded + 1);
    expect(Buffer.from(alias, 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true);
    expect(verifyEnvelope({ ...envelope, signatures: [{ keyid: key.keyId, sig: alias }] }, publicKey)).toMatchObject({ ok: false });
  });
});

describe('signed links', () => {
  const secret = 'k'.repeat(40);
  const inAnHour = new Date(Date.now() + 3_600_000);

  it('carry their subject until they expire', () => {
    const token = signLink(secret, 'share', 'report-1', inAnHour);
    expect(readLink(secret, 'share', token)).toBe('report-1');
    expect(readLink(secret, 'share', token, new Date(inAnHour.getTime() + 1_000))).toBeNull();
  });

  it('are refused when tampered, made for another purpose or under another secret', () => {
    const token = signLink(secret, 'export', 'report-1', inAnHour);
    const [payload, mac] = token.split('.') as [string, string];
    expect(readLink(secret, 'share', token)).toBeNull();
    expect(readLink('z'.repeat(40), 'export', token)).toBeNull();
    expect(readLink(secret, 'export', `${tamper(payload)}.${mac}`)).toBeNull();
    expect(readLink(secret, 'export', `${payload}.${tamper(mac)}`)).toBeNull();
    expect(readLink(secret, 'export', `${payload}.${mac}A`)).toBeNull();
    expect(readLink(secret, 'export', `${payload}.${mac.slice(0, -1)}${mac.at(-1) === 'A' ? 'B' : 'A'}`)).toBeNull();
    const forged = Buffer.from(JSON.stringify({ p: 'export', s: 'report-2', e: 9_999_999_999 })).toString('base64url');
    expect(readLink(secret, 'export', `${forged}.${mac}`)).toBeNull();
    for (const junk of ['', '.', 'a.b.c', 'not-a-token']) expect(readLink(secret, 'export', junk)).toBeNull();
  });
});

describe('instance secret', () => {
  it('is SITEWARDEN_SECRET when set, else one stable per-install secret', () => {
    expect(resolveInstanceSecret({ SITEWARDEN_SECRET: 's'.repeat(32) })).toBe('s'.repeat(32));
    const dev = resolveInstanceSecret({ SITEWARDEN_SECRET: undefined });
    expect(dev.length).toBeGreaterThanOrEqual(32);
    expect(resolveInstanceSecret({ SITEWARDEN_SECRET: undefined })).toBe(dev);
  });
});
