import { observatoryResults, OBSERVATORY_RESULTS, OBSERVATORY_TESTS, type ObservatoryResult, type ObservatoryTest } from '../../src/checks/security/observatory-results.ts';
import { gradeOf, MODIFIERS, movedBy, securityGrade } from '../../src/domain/security-grade.ts';
import { page, probe } from '../support/artifacts.ts';

/** The best result of every test: what a page with every header right gets. */
const BEST: Record<ObservatoryTest, ObservatoryResult> = {
  'content-security-policy': 'csp-implemented-with-no-unsafe-default-src-none',
  cookies: 'cookies-secure-with-httponly-sessions-and-samesite',
  'cross-origin-resource-sharing': 'cross-origin-resource-sharing-not-implemented',
  redirection: 'redirection-to-https',
  'referrer-policy': 'referrer-policy-private',
  'strict-transport-security': 'hsts-implemented-max-age-at-least-six-months',
  'subresource-integrity': 'sri-implemented-and-external-scripts-loaded-securely',
  'x-content-type-options': 'x-content-type-options-nosniff',
  'x-frame-options': 'x-frame-options-implemented-via-csp',
  'cross-origin-resource-policy': 'corp-implemented-with-same-origin',
};

describe('security grade (the HTTP Observatory’s scoring)', () => {
  test.each([
    [140, 'A+'], [100, 'A+'], [99, 'A'], [90, 'A'], [89, 'A-'], [85, 'A-'], [84, 'B+'], [80, 'B+'], [79, 'B'], [70, 'B'],
    [69, 'B-'], [65, 'B-'], [60, 'C+'], [59, 'C'], [50, 'C'], [45, 'C-'], [40, 'D+'], [39, 'D'], [30, 'D'], [25, 'D-'], [24, 'F'], [0, 'F'], [-40, 'F'],
  ] as const)('score %i is %s', (score, grade) => {
    expect(gradeOf(score)).toBe(grade);
  });

  test('every result of every test has a modifier, and the table has no other', () => {
    expect(Object.keys(MODIFIERS).sort()).toEqual(OBSERVATORY_TESTS.flatMap((t) => [...OBSERVATORY_RESULTS[t]]).sort());
  });

  test('starts at 100 and adds every bonus when nothing costs points', () => {
    const grade = securityGrade(BEST);
    // CSP +10, cookies +5, referrer +5, SRI +5, frame-ancestors +5, CORP +10.
    expect(grade).toMatchObject({ method: 'http-observatory', score: 140, grade: 'A+' });
    expect(movedBy(grade).map((t) => [t.test, t.modifier])).toEqual([
      ['content-security-policy', 10], ['cross-origin-resource-policy', 10], ['cookies', 5], ['referrer-policy', 5], ['subresource-integrity', 5], ['x-frame-options', 5],
    ]);
  });

  test('gives extra credit only from 90 up', () => {
    const at90 = securityGrade({ ...BEST, 'strict-transport-security': 'hsts-implemented-max-age-less-than-six-months' });
    expect(at90.score).toBe(90 + 40);
    const at85 = securityGrade({ ...BEST, 'strict-transport-security': 'hsts-implemented-max-age-less-than-six-months', 'x-content-type-options': 'x-content-type-options-header-invalid' });
    expect(at85).toMatchObject({ score: 85, grade: 'A-' });
    expect(at85.tests.filter((t) => t.modifier > 0).every((t) => !t.counted)).toBe(true);
    expect(movedBy(at85).map((t) => [t.result, t.modifier])).toEqual([
      ['hsts-implemented-max-age-less-than-six-months', -10],
      ['x-content-type-options-header-invalid', -5],
    ]);
  });

  test('never goes below 0', () => {
    const worst = securityGrade({
      ...BEST,
      'content-security-policy': 'csp-not-implemented',
      cookies: 'cookies-session-without-secure-flag',
      'cross-origin-resource-sharing': 'cross-origin-resource-sharing-implemented-with-universal-access',
      'subresource-integrity': 'sri-not-implemented-and-external-scripts-not-loaded-securely',
    });
    expect(worst).toMatchObject({ score: 0, grade: 'F' });
  });

  test('grades a gathered page end to end: a bare HTTPS page', () => {
    const grade = securityGrade(observatoryResults({ page: page({ url: 'https://example.com/' }), plainHttp: probe('http://example.com/', 200, '<html>') }));
    // CSP -25, redirection -20, HSTS -20, XCTO -5, XFO -20.
    expect(grade).toMatchObject({ score: 10, grade: 'F' });
    expect(movedBy(grade).map((t) => t.result)).toEqual([
      'csp-not-implemented', 'redirection-missing', 'hsts-not-implemented', 'x-frame-options-not-implemented', 'x-content-type-options-not-implemented',
    ]);
  });
});
