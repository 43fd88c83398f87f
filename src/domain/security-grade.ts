import { z } from 'zod';
import { OBSERVATORY_RESULTS, OBSERVATORY_TESTS, type ObservatoryResult, type ObservatoryTest } from '../checks/security/observatory-results.ts';

/**
 * The HTTP Observatory's published scoring (mdn/mdn-http-observatory, src/grader): every scan starts at
 * 100; each test's result adds its modifier; bonuses (positive modifiers) count only when the score
 * without them is at least 90; the grade is read off the score rounded down to a multiple of 5.
 * A table apart from the checks, as every score is here (docs/scoring.md, docs/security-checks.md).
 */
export const MODIFIERS: Record<ObservatoryResult, number> = {
  'csp-implemented-with-no-unsafe-default-src-none': 10,
  'csp-implemented-with-no-unsafe': 5,
  'csp-implemented-with-unsafe-inline-in-style-src-only': 0,
  'csp-implemented-with-insecure-scheme-in-passive-content-only': -10,
  'csp-implemented-with-unsafe-eval': -10,
  'csp-implemented-with-unsafe-inline': -20,
  'csp-implemented-with-insecure-scheme': -20,
  // A report-only policy enforces nothing: scored as no policy.
  'csp-not-implemented-but-reporting-enabled': -25,
  'csp-not-implemented': -25,

  'cookies-secure-with-httponly-sessions-and-samesite': 5,
  'cookies-secure-with-httponly-sessions': 0,
  'cookies-not-found': 0,
  'cookies-without-secure-flag-but-protected-by-hsts': -5,
  'cookies-session-without-secure-flag-but-protected-by-hsts': -10,
  'cookies-without-secure-flag': -20,
  'cookies-samesite-flag-invalid': -20,
  'cookies-anticsrf-without-samesite-flag': -20,
  'cookies-session-without-httponly-flag': -30,
  'cookies-session-without-secure-flag': -40,

  'cross-origin-resource-sharing-not-implemented': 0,
  'cross-origin-resource-sharing-implemented-with-public-access': 0,
  'cross-origin-resource-sharing-implemented-with-restricted-access': 0,
  'cross-origin-resource-sharing-implemented-with-universal-access': -50,

  'redirection-to-https': 0,
  'redirection-not-needed-no-http': 0,
  'redirection-off-host-from-http': -5,
  'redirection-not-to-https': -20,
  'redirection-missing': -20,

  'referrer-policy-private': 5,
  'referrer-policy-not-implemented': 0,
  'referrer-policy-unsafe': -5,
  'referrer-policy-header-invalid': -5,

  'hsts-implemented-max-age-at-least-six-months': 0,
  'hsts-implemented-max-age-less-than-six-months': -10,
  'hsts-not-implemented': -20,
  'hsts-header-invalid': -20,
  'hsts-not-implemented-no-https': -20,

  'sri-implemented-and-all-scripts-loaded-securely': 5,
  'sri-implemented-and-external-scripts-loaded-securely': 5,
  'sri-not-implemented-response-not-html': 0,
  'sri-not-implemented-but-no-scripts-loaded': 0,
  'sri-not-implemented-but-all-scripts-loaded-from-secure-origin': 0,
  'sri-not-implemented-but-external-scripts-loaded-securely': -5,
  'sri-implemented-but-external-scripts-not-loaded-securely': -20,
  'sri-not-implemented-and-external-scripts-not-loaded-securely': -50,

  'x-content-type-options-nosniff': 0,
  'x-content-type-options-not-implemented': -5,
  'x-content-type-options-header-invalid': -5,

  'x-frame-options-implemented-via-csp': 5,
  'x-frame-options-sameorigin-or-deny': 0,
  'x-frame-options-not-implemented': -20,
  'x-frame-options-header-invalid': -20,

  'corp-implemented-with-same-origin': 10,
  'corp-implemented-with-same-site': 10,
  'corp-implemented-with-cross-origin': 0,
  'corp-not-implemented': 0,
  'corp-header-invalid': -5,
};

export const MINIMUM_SCORE_FOR_EXTRA_CREDIT = 90;

/** Lower bound of each grade's band, best first; anything under 25 is F. */
const GRADES: readonly [number, SecurityGradeLetter][] = [
  [100, 'A+'], [90, 'A'], [85, 'A-'], [80, 'B+'], [70, 'B'], [65, 'B-'], [60, 'C+'], [50, 'C'], [45, 'C-'], [40, 'D+'], [30, 'D'], [25, 'D-'], [0, 'F'],
];

export type SecurityGradeLetter = 'A+' | 'A' | 'A-' | 'B+' | 'B' | 'B-' | 'C+' | 'C' | 'C-' | 'D+' | 'D' | 'D-' | 'F';

export interface GradedTest {
  test: ObservatoryTest;
  result: ObservatoryResult;
  modifier: number;
  /** Whether the modifier is in the score: a bonus is not when the score before bonuses is under 90. */
  counted: boolean;
}

export interface SecurityGrade {
  /** Which method: the Observatory's, so a reader can compare like with like. */
  method: 'http-observatory';
  /** 0 and up; above 100 with bonuses. */
  score: number;
  grade: SecurityGradeLetter;
  /** Every test with its result, in the order of the results given. */
  tests: GradedTest[];
}

export function gradeOf(score: number): SecurityGradeLetter {
  const band = Math.min(Math.max(score, 0) - (Math.max(score, 0) % 5), 100);
  return GRADES.find(([floor]) => band >= floor)?.[1] ?? 'F';
}

export function securityGrade(results: Record<ObservatoryTest, ObservatoryResult>): SecurityGrade {
  const entries = (Object.entries(results) as [ObservatoryTest, ObservatoryResult][]).map(([test, result]) => ({ test, result, modifier: MODIFIERS[result] }));
  const base = 100 + entries.reduce((sum, e) => sum + Math.min(e.modifier, 0), 0);
  const extraCredit = base >= MINIMUM_SCORE_FOR_EXTRA_CREDIT;
  const score = Math.max(base + (extraCredit ? entries.reduce((sum, e) => sum + Math.max(e.modifier, 0), 0) : 0), 0);
  return {
    method: 'http-observatory',
    score,
    grade: gradeOf(score),
    tests: entries.map((e) => ({ ...e, counted: e.modifier < 0 || (e.modifier > 0 && extraCredit) })),
  };
}

/** The results that moved the score from 100, largest effect first (for reports). */
export function movedBy(grade: SecurityGrade): GradedTest[] {
  return grade.tests.filter((t) => t.modifier !== 0 && t.counted).sort((a, b) => Math.abs(b.modifier) - Math.abs(a.modifier));
}

const GRADE_LETTERS = ['A+', 'A', 'A-', 'B+', 'B', 'B-', 'C+', 'C', 'C-', 'D+', 'D', 'D-', 'F'] as const satisfies readonly SecurityGradeLetter[];
const ALL_RESULTS = OBSERVATORY_TESTS.flatMap((t) => [...OBSERVATORY_RESULTS[t]]) as [ObservatoryResult, ...ObservatoryResult[]];

/** The grade as stored in scan_runs.summary.security_grade: read back through this, never cast. */
export const storedSecurityGradeSchema = z.object({
  method: z.literal('http-observatory'),
  score: z.number().int().min(0),
  grade: z.enum(GRADE_LETTERS),
  tests: z.array(z.object({ test: z.enum(OBSERVATORY_TESTS as [ObservatoryTest, ...ObservatoryTest[]]), result: z.enum(ALL_RESULTS), modifier: z.number().int(), counted: z.boolean() })),
});

/** A stored grade, or undefined when there is none or it does not parse (an older or foreign shape). */
export function parseStoredGrade(value: unknown): SecurityGrade | undefined {
  const parsed = storedSecurityGradeSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
