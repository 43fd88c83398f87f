import { versionDisclosure } from '../../../../src/checks/security/version-disclosure.ts';
import type { HeaderMap } from '../../../../src/checks/artifacts.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.version_disclosure', () => {
  test.each([
    [{ server: 'nginx/1.18.0' }, 'server: nginx/1.18.0'],
    [{ server: 'Apache/2.4.41 (Ubuntu)' }, 'server: Apache/2.4.41 (Ubuntu)'],
    [{ 'x-powered-by': 'PHP/7.4.3' }, 'x-powered-by: PHP/7.4.3'],
    [{ 'x-aspnet-version': '4.0.30319' }, 'x-aspnet-version: 4.0.30319'],
    [{ 'x-aspnetmvc-version': '5.2' }, 'x-aspnetmvc-version: 5.2'],
  ])('reports %p', (headers, shown) => {
    const [finding, ...rest] = run(versionDisclosure, page({ headers }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Server software version disclosed', severity: 'medium', verificationKey: 'security_version_disclosure' });
    expect(finding?.description).toContain(shown);
  });

  test('lists every disclosing header in one finding', () => {
    const [finding] = run(versionDisclosure, page({ headers: { server: 'Microsoft-IIS/10.0', 'x-powered-by': ['ASP.NET', 'PHP/8.2.1'] } }));
    expect(finding?.evidence).toEqual({
      headers: [{ header: 'server', value: 'Microsoft-IIS/10.0' }, { header: 'x-powered-by', value: 'PHP/8.2.1' }],
    });
  });

  test.each<HeaderMap>([{}, { server: 'nginx' }, { server: 'cloudflare' }, { server: 'ECS (dcb/7F84)' }, { 'x-powered-by': 'Express' }])('passes %p', (headers) => {
    expect(run(versionDisclosure, page({ headers }))).toEqual([]);
  });
});
