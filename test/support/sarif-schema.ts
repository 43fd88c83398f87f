import { readFileSync } from 'node:fs';
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

/**
 * The complete SARIF 2.1.0 JSON schema as Microsoft's SARIF SDK ships it for validating logs
 * (@microsoft/jest-sarif: `sarif-2.1.0-rtm.5.json`, the release that OASIS published as 2.1.0;
 * all 52 definitions). It is a draft-04 schema (`id`, draft-04 meta-schema), so it is compiled by
 * Ajv's draft-04 class, with ajv-formats checking `uri`, `uri-reference` and `date-time` strictly.
 */
const SCHEMA_PATH = require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');

export const sarifSchema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as { $schema: string; id: string; definitions: Record<string, unknown> };

export function compileSarifSchema() {
  // unicodeRegExp off: rtm.5's `language` pattern (`…-[a-zA-Z]{2}]?$`, fixed in OASIS's errata)
  // is valid only as a plain JavaScript regex, as the SDK's own validator compiles it.
  const ajv = new Ajv04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(sarifSchema);
}
