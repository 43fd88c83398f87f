import { readFileSync } from 'node:fs';
import { securityChecks } from '../../../../src/checks/security/index.ts';
import { runChecks } from '../../../../src/checks/types.ts';
import { page } from '../../../support/artifacts.ts';
import { OBSERVATORY_CASES, type Family, type ObservatoryCase } from './observatory-cases.ts';

/** The checks each Observatory test is compared with. */
const FAMILY_CHECKS: Record<Family, string[]> = {
  'x-content-type-options': ['security.content_type_options'],
  'x-frame-options': ['security.clickjacking'],
  'referrer-policy': ['security.referrer_policy_missing', 'security.referrer_policy_unsafe'],
  'content-security-policy': [
    'security.csp_missing', 'security.csp_unsafe_inline', 'security.csp_unsafe_eval', 'security.csp_broad_script_sources',
    'security.csp_object_src_missing', 'security.csp_base_uri_missing', 'security.csp_form_action',
  ],
  'subresource-integrity': ['security.sri_missing', 'security.mixed_content_active'],
  'cross-origin-resource-policy': ['security.corp_invalid'],
  // HSTS needs HTTPS: a page served over plain HTTP fails the family as it fails the Observatory's test.
  'strict-transport-security': ['security.hsts_missing', 'security.hsts_short_max_age', 'security.plain_http'],
  redirection: ['security.http_not_redirected'],
  cookies: ['security.cookie_without_secure', 'security.session_cookie_without_httponly', 'security.cookie_samesite'],
  cors: ['security.cors_wildcard_credentials'],
};

const FAILING = new Set(['critical', 'high', 'medium']);

function ourVerdict(c: ObservatoryCase): { pass: boolean; findings: string[] } {
  const findings = runChecks(securityChecks, {
    page: page({ url: c.url, ...(c.headers ? { headers: c.headers } : {}), ...(c.html !== undefined ? { html: c.html } : {}) }),
    plainHttp: c.plainHttp ?? null,
  });
  const relevant = findings.filter((f) => (c.property ?? FAMILY_CHECKS[c.family]).includes(f.groupId));
  const failing = c.property ? relevant : relevant.filter((f) => FAILING.has(f.severity));
  return { pass: failing.length === 0, findings: relevant.map((f) => `${f.checkId} (${f.severity})`) };
}

const outcome = (c: ObservatoryCase) => (c.difference ? 'documented' : c.disagreement ? 'disagree' : 'agree');

/** The per-family table docs/security-checks.md shows, computed from the cases. */
function agreementTable(): { markdown: string; agreement: number } {
  const families = [...new Set(OBSERVATORY_CASES.map((c) => c.family))];
  const rows = families.map((family) => {
    const cases = OBSERVATORY_CASES.filter((c) => c.family === family);
    const count = (o: string) => cases.filter((c) => outcome(c) === o).length;
    return { family, cases: cases.length, agree: count('agree'), documented: count('documented'), disagree: count('disagree') };
  });
  const total = rows.reduce((t, r) => ({ cases: t.cases + r.cases, agree: t.agree + r.agree, documented: t.documented + r.documented, disagree: t.disagree + r.disagree }), { cases: 0, agree: 0, documented: 0, disagree: 0 });
  const agreement = (total.agree + total.documented) / total.cases;
  const line = (name: string, r: typeof total) => `| ${name} | ${r.cases} | ${r.agree} | ${r.documented} | ${r.disagree} |`;
  const markdown = [
    '| Family | Cases | Agree | Documented differences | Disagree |',
    '|---|---|---|---|---|',
    ...rows.map((r) => line(r.family, r)),
    line('**all**', total),
    '',
    `Agreement (agree + documented differences): ${(agreement * 100).toFixed(1)} %.`,
  ].join('\n');
  return { markdown, agreement };
}

const DOC = readFileSync(`${__dirname}/../../../../docs/security-checks.md`, 'utf8');

describe('agreement with the HTTP Observatory’s test cases', () => {
  test.each(OBSERVATORY_CASES.map((c) => [c.source, c] as const))('%s', (_source, c) => {
    const ours = ourVerdict(c);
    // Where we differ on purpose or knowingly, our verdict is the Observatory's opposite; else the same.
    const expected = c.difference || c.disagreement ? !c.observatory.pass : c.observatory.pass;
    expect({ pass: ours.pass, findings: ours.findings }).toEqual({ pass: expected, findings: expect.any(Array) });
  });

  test('every case names its source once', () => {
    const sources = OBSERVATORY_CASES.map((c) => c.source);
    expect(sources.filter((s, i) => sources.indexOf(s) !== i)).toEqual([]);
  });

  test('every documented difference is in docs/security-checks.md, and the doc lists no other', () => {
    const ids = [...new Set(OBSERVATORY_CASES.flatMap((c) => (c.difference ? [c.difference] : [])))].sort();
    const documented = [...DOC.matchAll(/^### `([a-z0-9-]+)`/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(ids);
  });

  test('the agreement table in docs/security-checks.md is the one the cases give, at 95 % or more', () => {
    const { markdown, agreement } = agreementTable();
    expect(DOC).toContain(markdown);
    expect(agreement).toBeGreaterThanOrEqual(0.95);
  });
});
