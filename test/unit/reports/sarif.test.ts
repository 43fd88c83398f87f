import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { sarifReport } from '../../../src/reports/sarif.ts';
import { collect, context, finding, stream } from './fixtures.ts';
import { sarifSchemaSubset } from './sarif-schema-subset.ts';

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(sarifSchemaSubset);

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

it('validates against the SARIF 2.1.0 schema', async () => {
  const doc = await log();
  const valid = validate(doc);
  expect(validate.errors ?? []).toEqual([]);
  expect(valid).toBe(true);
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
  expect(doc.runs[0].results).toEqual([]);
  expect(doc.runs[0].tool.driver.rules).toEqual([]);
});

it('the schema catches what GitHub would refuse', () => {
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'r', level: 'critical', message: { text: 'm' } }] }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} }, results: [] }] })).toBe(false);
  expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ ruleId: 'r', message: {} }] }] })).toBe(false);
});
