import { generateKeyPairSync } from 'node:crypto';
import { keyIdOf, pae as serverPae, signEnvelope } from '../../../src/platform/signing.ts';
import { fromBase64, pae, verifyEvidence } from '../../../web/src/lib/dsse.ts';

/** The dashboard's check against the server's signer (src/platform/signing.ts): both must agree. */
describe('report evidence checked in the browser (WebCrypto)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key = { keyId: keyIdOf(publicKey), privateKey };
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'report.pdf' }] }));

  it('encodes PAE byte for byte as the server does', () => {
    expect(Buffer.from(pae('application/vnd.in-toto+json', new Uint8Array(payload)))).toEqual(serverPae('application/vnd.in-toto+json', payload));
  });

  it('verifies an envelope the server signed, naming the key id', async () => {
    const envelope = signEnvelope('application/vnd.in-toto+json', payload, key);
    await expect(verifyEvidence(envelope, pem)).resolves.toEqual({ ok: true, keyId: key.keyId });
  });

  it('refuses a changed payload, a foreign key and a non-base64 envelope', async () => {
    const envelope = signEnvelope('application/vnd.in-toto+json', payload, key);
    const tampered = { ...envelope, payload: Buffer.from(payload.toString().replace('report', 'rep0rt')).toString('base64') };
    await expect(verifyEvidence(tampered, pem)).resolves.toEqual({ ok: false, reason: 'the signature does not match the report' });
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(verifyEvidence(envelope, other)).resolves.toMatchObject({ ok: false, reason: expect.stringContaining('no signature by the instance key') });
    await expect(verifyEvidence({ ...envelope, payload: '%%%' }, pem)).resolves.toEqual({ ok: false, reason: 'the envelope is not base64' });
    expect(fromBase64('abc')).toBeNull();
  });
});
