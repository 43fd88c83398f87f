import { contentTypeOptions } from '../../../../src/checks/security/content-type-options.ts';
import { page } from '../../../support/artifacts.ts';
import { run } from './run.ts';

describe('security.content_type_options', () => {
  test('reports a missing header', () => {
    const [finding, ...rest] = run(contentTypeOptions, page({ url: 'https://example.com/p' }));
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ title: 'X-Content-Type-Options nosniff missing', severity: 'medium', verificationKey: 'security_header_xcto' });
    expect(finding?.description).toContain('https://example.com/p');
    expect(finding?.evidence).toEqual({ header: 'x-content-type-options', value: null });
  });

  test.each([['sniff'], ['no-sniff'], [''], ['foo, nosniff']])('reports the value %p', (value) => {
    const [finding] = run(contentTypeOptions, page({ headers: { 'x-content-type-options': value } }));
    expect(finding?.description).toContain(`"${value}", not nosniff`);
    expect(finding?.evidence).toEqual({ header: 'x-content-type-options', value });
  });

  test('only the first of several headers counts', () => {
    expect(run(contentTypeOptions, page({ headers: { 'x-content-type-options': ['nosniff', 'foo'] } }))).toEqual([]);
    expect(run(contentTypeOptions, page({ headers: { 'x-content-type-options': ['foo', 'nosniff'] } }))).toHaveLength(1);
  });

  test.each(['nosniff', 'NoSniff', ' nosniff ', 'nosniff, foo'])('passes %p, on https and http pages', (value) => {
    expect(run(contentTypeOptions, page({ headers: { 'x-content-type-options': value } }))).toEqual([]);
    expect(run(contentTypeOptions, page({ url: 'http://example.com/', headers: { 'x-content-type-options': value } }))).toEqual([]);
  });
});
