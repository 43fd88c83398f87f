import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { Finding } from '../../../src/reports/model.ts';
import { sarifReport } from '../../../src/reports/sarif.ts';
import { collect, context, finding, stream } from './fixtures.ts';
import { compileSarifSchema, sarifSchema } from '../../support/sarif-schema.ts';
import { sarifSchemaSubset } from './sarif-schema-subset.ts';

/** The full SARIF 2.1.0 schema (every definition), and the hand-written subset that also refuses objects Sitewarden never writes. */
const validate = compileSarifSchema();
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateSubset = ajv.compile(sarifSchemaSubset);

const hsts = finding({ severity: 'critical', priority_score: 95 });
const axe = finding({
  domain: 'accessibility',
  check_id: 'accessibility.axe.image-alt',
  title: 'Images must have alternate text',
  severity: 'high',
  priority_score: 70,
  evidence: { rule: 'image-alt', helpUrl: 'https://dequeuniversity.com/rules/axe/4.10/image-alt', nodeCount: 2 },
  affected_assets: [
    { type: 'url', value: 'https://example.com/' },
    { type: 'url', value: 'https://example.com/about' },
  ],
});
const seo = finding({ domain: 'seo', check_id: 'seo.title_missing', title: 'Page has no title', severity: 'low', priority_score: 20 });
const hstsOtherPage = finding({ severity: 'high', priority_score: 60, title: 'Strict-Transport-Security header missing (2)', affected_assets: [] });

async function log(findings = [hsts, axe, seo, hstsOtherPage]) {
  return JSON.parse(await collect(sarifReport(context(findings), stream(findings))));
}

it('validates against the complete SARIF 2.1.0 schema', async () => {
  expect(sarifSchema.$schema).toBe('http://json-schema.org/draft-04/schema#');
  expect(Object.keys(sarifSchema.definitions)).toHaveLength(52);
  const doc = await log();
  const valid = validate(doc);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
  expect(validateSubset(doc)).toBe(true);
  expect(doc).toMatchObject({ version: '2.1.0', $schema: 'https://json.schemastore.org/sarif-2.1.0.json' });
});

it("has one rule per check id, from the check modules' metadata, and results pointing at them", async () => {
  const [run] = (await log()).runs;
  const rules = run.tool.driver.rules;
  expect(run.tool.driver.name).toBe('Sitewarden');
  expect(rules.map((r: { id: string }) => r.id)).toEqual(['security.hsts_missing', 'accessibility.axe.image-alt', 'seo.title_missing']);
  expect(rules[0]).toMatchObject({
    name: 'SecurityHstsMissing',
    shortDescription: { text: 'Strict-Transport-Security header missing' },
    defaultConfiguration: { level: 'error' },
    properties: { tags: ['security', 'web'], 'security-severity': '8.0' },
  });
  expect(rules[0].fullDescription.text).toMatch(/^Without HSTS/);
  expect(rules[0].help.text).toMatch(/^Send Strict-Transport-Security/);
  // A per-rule axe id: its own title and guidance page, the axe module's description.
  expect(rules[1]).toMatchObject({ shortDescription: { text: 'Images must have alternate text' }, helpUri: 'https://dequeuniversity.com/rules/axe/4.10/image-alt' });
  expect(rules[1].fullDescription.text).toMatch(/^axe-core tested/);
  expect(rules[2].properties['security-severity']).toBeUndefined();
  for (const result of run.results) expect(rules[result.ruleIndex].id).toBe(result.ruleId);
});

it('gives each result a level from its severity, its page URLs as locations and a stable fingerprint', async () => {
  const [run] = (await log()).runs;
  expect(run.results.map((r: { level: string }) => r.level)).toEqual(['error', 'error', 'note', 'error']);
  expect(run.results[1].locations.map((l: any) => l.physicalLocation.artifactLocation.uri)).toEqual(['https://example.com/', 'https://example.com/about']);
  expect(run.results[1].locations[0].physicalLocation.region).toEqual({ startLine: 1 });
  expect(run.results[3].locations).toBeUndefined();
  expect(run.results[0].partialFingerprints).toEqual({ 'sitewardenFinding/v1': hsts.id });
  expect(run.results[0].message.text).toMatch(/^Strict-Transport-Security header missing: /);
});

it('is a valid log with no findings', async () => {
  const doc = await log([]);
  expect(validate(doc)).toBe(true);
  expect(validateSubset(doc)).toBe(true);
  expect(doc.runs[0].results).toEqual([]);
  expect(doc.runs[0].tool.driver.rules).toEqual([]);
});

it('the schema catches what GitHub would refuse', () => {
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x', helpUri: 'not a uri' } }, results: [] }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [], invocations: [{ executionSuccessful: true, endTimeUtc: 'yesterday' }] }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [], misspelt: 1 }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'r', level: 'critical', message: { text: 'm' } }] }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'r', message: {} }] }] })).toBe(false);
});

describe('help URLs and help.markdown', () => {
  const withHelp = (helpUrl: unknown, overrides = {}) =>
    finding({ domain: 'accessibility', check_id: 'accessibility.axe.image-alt', title: 'Images must have alternate text', evidence: { rule: 'image-alt', helpUrl } as Finding['evidence'], ...overrides });
  const ruleOf = async (f: ReturnType<typeof finding>) => (await log([f])).runs[0].tool.driver.rules[0];

  it("keeps axe's own rule page, normalised, as helpUri and the one link in the markdown", async () => {
    const rule = await ruleOf(withHelp('https://dequeuniversity.com/rules/axe/4.10/image-alt?application=axeAPI'));
    expect(rule.helpUri).toBe('https://dequeuniversity.com/rules/axe/4.10/image-alt');
    expect(rule.help.markdown).toMatch(/\d\. Rule guidance: \[https:\/\/dequeuniversity\.com\/rules\/axe\/4\.10\/image-alt\]\(https:\/\/dequeuniversity\.com\/rules\/axe\/4\.10\/image-alt\)$/);
    expect(rule.help.markdown.match(/\]\(/g)).toHaveLength(1);
  });

  it.each([
    ['a look-alike host', 'https://dequeuniversity.com.evil.example/rules/axe/4.10/image-alt'],
    ['credentials that move the host', 'https://dequeuniversity.com@evil.example/rules/axe/4.10/image-alt'],
    ['plain http', 'http://dequeuniversity.com/rules/axe/4.10/image-alt'],
    ['another port', 'https://dequeuniversity.com:8443/rules/axe/4.10/image-alt'],
    ['markdown after the prefix', 'https://dequeuniversity.com/rules/axe/4.10/image-alt)[click](javascript:alert(1)'],
    ['a space and a title', 'https://dequeuniversity.com/rules/axe/4.10/image-alt "x"'],
    ['a path that leaves the rules', 'https://dequeuniversity.com/rules/axe/4.10/../../../evil'],
    ['another rule than the finding\'s', 'https://dequeuniversity.com/rules/axe/4.10/label'],
    ['a fragment', 'https://dequeuniversity.com/rules/axe/4.10/image-alt#<script>'],
    ['javascript:', 'javascript:alert(1)//https://dequeuniversity.com/rules/axe/4.10/image-alt'],
    ['an encoded path', 'https://dequeuniversity.com/rules/axe/4.10/image-alt%29%5Bx%5D'],
    ['not a string', { href: 'https://dequeuniversity.com/rules/axe/4.10/image-alt' }],
    ['a huge one', `https://dequeuniversity.com/rules/axe/4.10/${'a'.repeat(5_000)}`],
  ])('refuses %s', async (_why, helpUrl) => {
    const rule = await ruleOf(withHelp(helpUrl));
    expect(rule.helpUri).toBeUndefined();
    expect(rule.help.markdown).not.toMatch(/\]\(|evil|javascript|<script>/);
    expect(rule.help.text).not.toMatch(/evil|javascript|<script>/);
    expect(validate(await log([withHelp(helpUrl)]))).toBe(true);
  });

  it('escapes a page-written title, so it cannot add a link or markup', async () => {
    const rule = await ruleOf(finding({ domain: 'seo', check_id: 'seo.unknown_rule', title: '[click me](https://evil.example) <img src=x> **bold**', evidence: {} }));
    expect(rule.help.markdown).toBe('\\[click me\\]\\(https\\://evil\\.example\\) \\<img src=x\\> \\*\\*bold\\*\\*');
    expect(rule.help.markdown).not.toMatch(/(^|[^\\])\]\(/);
  });
});
