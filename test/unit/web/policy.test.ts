import { MAX_CONFIG_CHARS, parseConfig } from '../../../web/src/lib/policy.ts';

describe('the policy editor parsing its text', () => {
  it('accepts a JSON object', () => {
    expect(parseConfig('{ "severity_rules": { "security": "critical" } }')).toEqual({ ok: true, config: { severity_rules: { security: 'critical' } } });
  });

  it('says what is wrong before anything is sent', () => {
    expect(parseConfig('[1, 2]')).toEqual({ ok: false, message: 'The config must be a JSON object ({ … }).' });
    expect(parseConfig('null')).toMatchObject({ ok: false });
    expect(parseConfig('{ nope')).toMatchObject({ ok: false, message: expect.stringMatching(/^Not JSON: /) });
    expect(parseConfig(`{"a":"${'x'.repeat(MAX_CONFIG_CHARS)}"}`)).toMatchObject({ ok: false, message: expect.stringContaining('longer than') });
  });
});
