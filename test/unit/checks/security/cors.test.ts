import { cors } from '../../../../src/checks/security/cors.ts';
import type { HeaderMap } from '../../../../src/checks/artifacts.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.cors_wildcard_credentials', () => {
  test.each([
    { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' },
    { 'access-control-allow-origin': ' * ', 'access-control-allow-credentials': 'TRUE' },
  ])('reports %p', (headers) => {
    const [finding, ...rest] = run(cors, page({ url: 'https://api.example.com/', headers }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'CORS allows any origin with credentials', severity: 'high', verificationKey: 'security_cors' });
    expect(finding?.description).toContain('https://api.example.com/');
    expect(finding?.description).toContain('Access-Control-Allow-Origin: *');
  });

  test.each<HeaderMap>([
    {},
    { 'access-control-allow-origin': '*' },
    { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'false' },
    { 'access-control-allow-origin': 'https://app.example.com', 'access-control-allow-credentials': 'true' },
  ])('passes %p', (headers) => {
    expect(run(cors, page({ headers }))).toEqual([]);
  });
});
