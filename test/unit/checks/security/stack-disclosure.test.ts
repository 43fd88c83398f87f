import { stackDisclosure } from '../../../../src/checks/security/stack-disclosure.ts';
import type { HeaderMap } from '../../../../src/checks/artifacts.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.stack_disclosure', () => {
  test.each([
    [{ 'x-powered-by': 'Express' }, 'x-powered-by: Express'],
    [{ 'x-powered-by': ['ASP.NET', 'PHP/8.2.1'] }, 'x-powered-by: ASP.NET'],
    [{ 'x-powered-by': 'Next.js', server: 'nginx' }, 'x-powered-by: Next.js'],
  ])('reports %p', (headers, shown) => {
    const [finding, ...rest] = run(stackDisclosure, page({ headers }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Framework disclosed in response headers', severity: 'low', verificationKey: 'security_version_disclosure' });
    expect(finding?.description).toContain(shown);
    expect(finding?.description).not.toContain('PHP');
    expect(finding?.description).not.toContain('nginx');
  });

  test.each<HeaderMap>([{}, { server: 'nginx' }, { 'x-powered-by': 'PHP/7.4.3' }, { 'x-powered-by': ' ' }])('passes %p (versions are the other check)', (headers) => {
    expect(run(stackDisclosure, page({ headers }))).toEqual([]);
  });
});
