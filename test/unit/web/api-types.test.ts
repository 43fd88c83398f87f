import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * The dashboard's typed client is generated from the OpenAPI document (web/scripts/api-types.ts,
 * openapi-typescript). A route or schema change without regenerating it fails here, and the
 * dashboard's type-check (tsc -p web) then shows every call the change breaks.
 */
describe('web/src/api/schema.d.ts', () => {
  it('is what the current OpenAPI document generates', () => {
    const root = path.resolve(__dirname, '../../..');
    // Its own process: openapi-typescript is ESM only, which Jest's module system does not load.
    expect(() => execFileSync(path.join(root, 'node_modules/.bin/tsx'), ['web/scripts/api-types.ts', '--check'], { cwd: root, stdio: 'pipe' })).not.toThrow();
  }, 60_000);
});
