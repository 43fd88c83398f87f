import type { PageArtifact, ProbeArtifact, SecurityArtifacts } from '../../../../src/checks/artifacts.ts';
import { runCheck, type Check, type DetectedFinding } from '../../../../src/checks/types.ts';

/** The findings `check` reports for `page` (and the http:// twin probe, if given). */
export function run(check: Check<SecurityArtifacts>, page: PageArtifact, plainHttp: ProbeArtifact | null = null): DetectedFinding[] {
  return runCheck(check, { page, plainHttp });
}

/** An HTML document with `head` markup in its head and `body` in its body. */
export function html(head: string, body = ''): string {
  return `<!doctype html><html lang="en"><head><title>Example</title>${head}</head><body>${body}</body></html>`;
}
