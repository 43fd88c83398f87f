import { permissionsPolicy } from '../../../../src/checks/security/permissions-policy.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.permissions_policy_missing', () => {
  test.each([[{}], [{ 'permissions-policy': '  ' }], [{ 'feature-policy': "camera 'none'" }]])('reports headers %p', (headers) => {
    const [finding, ...rest] = run(permissionsPolicy, page({ url: 'https://example.com/pp', headers }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'Permissions-Policy header missing', severity: 'low', verificationKey: 'security_header_permissions_policy' });
    expect(finding?.description).toContain('https://example.com/pp');
  });

  test.each([
    { 'permissions-policy': 'camera=(), microphone=(), geolocation=(self)' },
    { 'permissions-policy': ['camera=()', 'usb=()'] },
  ])('passes %p', (headers) => {
    expect(run(permissionsPolicy, page({ headers }))).toEqual([]);
  });
});
