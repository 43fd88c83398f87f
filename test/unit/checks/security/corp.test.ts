import { corp } from '../../../../src/checks/security/corp.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

const corpHeader = (value: string | string[]) => page({ headers: { 'cross-origin-resource-policy': value } });

describe('security.corp_invalid', () => {
  test.each([
    ['whimsy', 'whimsy'],
    ['Same-Origin', 'Same-Origin'],
    ['same-origin, same-site', 'same-origin, same-site'],
    [['same-origin', 'same-origin'], 'same-origin, same-origin'],
    ['', ''],
  ])('reports %p, which browsers ignore', (value, shown) => {
    const [finding, ...rest] = run(corp, corpHeader(value));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Cross-Origin-Resource-Policy not recognised', severity: 'medium', verificationKey: 'security_header_corp' });
    expect(finding?.description).toContain(`"${shown}"`);
    expect(finding?.evidence).toEqual({ header: 'cross-origin-resource-policy', value: shown });
  });

  test.each(['same-origin', 'same-site', 'cross-origin', ' same-site '])('passes %p', (value) => {
    expect(run(corp, corpHeader(value))).toEqual([]);
  });

  test('passes a page without the header: cross-origin is the default', () => {
    expect(run(corp, page())).toEqual([]);
  });
});
