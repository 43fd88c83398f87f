import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { activeSigningKey, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call } from '../support/http.ts';
import { freePort } from '../support/processes.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { sarifSchemaSubset } from '../unit/reports/sarif-schema-subset.ts';

/**
 * `sitewarden scan|findings|export` as CI runs it: bin/sitewarden as a real child process (in its
 * own process group, killed on teardown) against the real API, worker, Temporal and PostgreSQL,
 * scanning the fixture site. Light scans (security, seo) keep Chromium out of it.
 */
const CLI = `${__dirname}/../../bin/sitewarden`;
const LIGHT = 'security,seo';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const groups = new Set<number>();

function sitewarden(args: string[], env: Record<string, string> = {}, timeoutMs = 150_000, options: { tty?: boolean } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    // A terminal, when asked: util-linux's script(1) gives the CLI a pseudo-terminal of 120 columns.
    const [command, argv] = options.tty
      ? ['script', ['-qec', `stty cols 120 rows 40; exec ${[CLI, ...args].map((a) => `'${a}'`).join(' ')}`, '/dev/null']]
      : [CLI, args];
    const child = spawn(command, argv, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No SITEWARDEN_* from the developer's shell; without a TTY, the plain-lines path CI takes.
      env: { PATH: process.env.PATH!, HOME: process.env.HOME!, ...(options.tty ? { TERM: 'xterm' } : { CI: 'true' }), ...env },
    });
    groups.add(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => killGroup(child.pid!), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      groups.delete(child.pid!);
      resolve({ code, stdout, stderr });
    });
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** stdout is exactly one JSON object, nothing else. */
function oneObject(stdout: string): any {
  expect(stdout.trim().split('\n')).toHaveLength(1);
  const value = JSON.parse(stdout);
  expect(value).toEqual(expect.any(Object));
  expect(Array.isArray(value)).toBe(false);
  return value;
}

let stack: Stack;
let site: FixtureSite;
let work: string;
let storageDir: string;
let t: Tenant;
let env: Record<string, string>;

beforeAll(async () => {
  [work, storageDir] = await Promise.all([mkdtemp(join(tmpdir(), 'sitewarden-cli-')), mkdtemp(join(tmpdir(), 'sitewarden-cli-storage-'))]);
  site = await startFixtureSite();
  stack = await startStack({ STORAGE_DIR: storageDir });
  // The shared test database outlives a checkout's instance secret: a key sealed under another one is replaced.
  const secret = resolveInstanceSecret(stack.config);
  await activeSigningKey(stack.db.prisma, secret).catch((err) => {
    if (!(err instanceof SigningKeyUnavailable)) throw err;
    return rotateSigningKey(stack.db.prisma, secret);
  });
  t = await createTenant(stack.db.prisma, stack.baseUrl);
  env = { SITEWARDEN_API_URL: stack.baseUrl, SITEWARDEN_API_KEY: t.writeKey, SITEWARDEN_ORG: t.orgId, SITEWARDEN_PROJECT: t.projectId };
}, 120_000);

afterAll(async () => {
  for (const pid of groups) killGroup(pid);
  await stack?.close();
  await site?.close();
  await Promise.all([work, storageDir].filter(Boolean).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('scan --wait', () => {
  let defective: Run;
  let clean: Run;
  let terminal: Run;

  beforeAll(async () => {
    // Two scans at once, as two CI jobs would run them; each in its own project, so neither takes
    // over the other's findings.
    const [other, third] = await Promise.all([createTenant(stack.db.prisma, stack.baseUrl), createTenant(stack.db.prisma, stack.baseUrl)]);
    [defective, clean, terminal] = await Promise.all([
      sitewarden(['scan', site.defectsUrl, '--wait', '--only', LIGHT, '--fail-on', 'high'], env),
      sitewarden(
        ['scan', site.cleanUrl, '--wait', '--only', LIGHT, '--fail-on', 'high', '--json', '--output', join(work, 'clean.sarif'), '--org', other.orgId, '--key', other.writeKey],
        env,
      ),
      sitewarden(['scan', site.defectsUrl, '--wait', '--only', LIGHT], { ...env, SITEWARDEN_ORG: third.orgId, SITEWARDEN_API_KEY: third.writeKey }, 150_000, { tty: true }),
    ]);
  }, 300_000);

  it('on a terminal, draws one live line per scanner and the AI stage (listr2), then the table', () => {
    expect(terminal.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    const screen = terminal.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
    expect(terminal.stdout).toContain('\u001b['); // redrawn in place, not plain lines
    expect(screen).not.toContain('  security: running\n'); // the CI form
    for (const line of ['✔ security: done', '✔ seo: done']) expect(screen).toContain(line);
    expect(screen).toMatch(/✔ analysis: done|↓ analysis: skipped|✖ analysis: failed/);
    expect(screen).toMatch(/severity\s+domain\s+title\s+check/);
    expect(screen).toMatch(/scan [0-9a-f-]{36} completed, health \d+\/100/);
  });

  it('exits 1 on the defective page, with plain progress lines and the findings table', async () => {
    expect(defective.stderr).not.toMatch(/error/i);
    expect(defective.code).toBe(1);
    const scanId = /scan ([0-9a-f-]{36}) queued/.exec(defective.stderr)?.[1];
    expect(scanId).toBeDefined();
    // One plain line per slot change, every state each slot went through, in order: progress
    // follows the scan's event stream from its first event, however late the CLI connects.
    const at = (line: string) => defective.stderr.indexOf(line);
    for (const scanner of ['security', 'seo']) {
      const states = ['pending', 'running', 'done'].map((status) => at(`  ${scanner}: ${status}\n`));
      expect(states.every((i) => i >= 0)).toBe(true);
      expect([...states].sort((a, b) => a - b)).toEqual(states);
    }
    expect(at(`scan ${scanId} running`)).toBeGreaterThan(at(`scan ${scanId} queued`));
    expect(at(`scan ${scanId} completed`)).toBeGreaterThan(at('  seo: done'));
    expect(defective.stderr).not.toMatch(/polling instead|resuming/); // the stream, not the fallback
    expect(defective.stderr).not.toContain(t.writeKey);

    const api = await call('GET', `${t.audit}/findings?scan_id=${scanId}&limit=200`, { key: t.readKey });
    const findings: { severity: string; domain: string; title: string; check_id: string }[] = api.body.data;
    expect(findings.filter((f) => f.severity === 'critical' || f.severity === 'high').length).toBeGreaterThan(0);
    const [header, rule, ...rows] = defective.stdout.split('\n\n')[0]!.split('\n');
    expect(header).toMatch(/^severity\s+domain\s+title\s+check$/);
    expect(rule).toMatch(/^-+/);
    expect(rows).toHaveLength(findings.length);
    for (const f of findings) expect(rows.some((r) => r.startsWith(f.severity) && r.includes(f.check_id))).toBe(true);
    const high = findings.filter((f) => f.severity === 'critical' || f.severity === 'high').length;
    expect(defective.stdout).toContain(`${high} finding${high === 1 ? '' : 's'} at or above high`);
  });

  it('exits 0 on the clean page, prints exactly one JSON object with --json, and writes a valid SARIF report', async () => {
    expect(clean.code).toBe(0);
    const out = oneObject(clean.stdout);
    expect(Object.keys(out).sort()).toEqual(['findings', 'scan']);
    expect(out.scan).toMatchObject({ url: site.cleanUrl, status: 'completed', scanner_status: { security: { status: 'done' }, seo: { status: 'done' } } });
    expect(out.findings.filter((f: { severity: string }) => f.severity === 'critical' || f.severity === 'high')).toEqual([]);
    for (const f of out.findings) expect(f.last_seen_scan_id).toBe(out.scan.id);

    const sarif = JSON.parse(await readFile(join(work, 'clean.sarif'), 'utf8'));
    expect(Array.isArray(sarif.runs)).toBe(true);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(sarifSchemaSubset);
    expect(validate(sarif) ? [] : validate.errors).toEqual([]);
    expect(sarif.runs[0].results).toHaveLength(out.findings.length);
  });
});

it('exits 2 when the page cannot be fetched: the scan fails', async () => {
  const refused = `http://127.0.0.1:${await freePort()}/`;
  const res = await sitewarden(['scan', refused, '--wait', '--only', LIGHT, '--fail-on', 'high'], env);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/security: failed/);
  expect(res.stderr).toMatch(/sitewarden: (the scan failed|scanner)/);
}, 200_000);

it.each([
  [['scan', 'https://example.com/', '--wait', '--fail-on', 'severe'], /argument 'severe' is invalid/],
  [['scan', 'https://example.com/', '--wait', '--only', 'security,speed'], /--only: unknown speed/],
  [['scan', 'https://example.com/', '--fail-on', 'high'], /--fail-on and --output need --wait/],
  [['scan'], /missing required argument 'url'/],
  [['export', '--format', 'docx', '-o', 'x.docx'], /argument 'docx' is invalid/],
])('exits 2 on bad usage: %p', async (args, message) => {
  const res = await sitewarden(args, env);
  expect(res.stderr).toMatch(message);
  expect(res.code).toBe(2);
  expect(res.stdout).toBe('');
});

it('exits 2 with a clear message for a wrong key, a missing project and a refused connection, never printing the key', async () => {
  const wrongKey = `kr_live_${'x'.repeat(43)}`;
  const [unauthorized, missing, refused, unset] = await Promise.all([
    sitewarden(['scan', site.cleanUrl, '--wait', '--json'], { ...env, SITEWARDEN_API_KEY: wrongKey }),
    sitewarden(['findings', '--project', 'no-such-project'], env),
    sitewarden(['findings', '--api', `http://127.0.0.1:${await freePort()}`], env),
    sitewarden(['findings'], { SITEWARDEN_API_KEY: t.readKey }),
  ]);
  expect(unauthorized.code).toBe(2);
  expect(unauthorized.stdout).toBe('');
  expect(JSON.parse(unauthorized.stderr)).toEqual({ error: expect.stringMatching(/API key was refused \(401\)/) });
  expect(missing.code).toBe(2);
  expect(missing.stderr).toMatch(/not found \(404 GET findings\): check --org and --project .*"no-such-project"/);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/cannot reach the API at http:\/\/127\.0\.0\.1:\d+: connection refused/);
  expect(unset.code).toBe(2);
  expect(unset.stderr).toMatch(/missing --api \(or SITEWARDEN_API_URL\), --org \(or SITEWARDEN_ORG\), --project/);
  for (const run of [unauthorized, missing, refused, unset]) {
    expect(run.stderr + run.stdout).not.toContain(wrongKey);
    expect(run.stderr + run.stdout).not.toContain(t.writeKey);
    expect(run.stderr + run.stdout).not.toContain(t.readKey);
  }
}, 120_000);

it('findings lists what the API lists, filtered, as one JSON object', async () => {
  const [all, high] = await Promise.all([
    sitewarden(['findings', '--json'], { ...env, SITEWARDEN_API_KEY: t.readKey }),
    sitewarden(['findings', '--severity', 'high', '--status', 'new'], { ...env, SITEWARDEN_API_KEY: t.readKey }),
  ]);
  expect(all.code).toBe(0);
  const api = await call('GET', `${t.audit}/findings?limit=200`, { key: t.readKey });
  expect(api.body.data.length).toBeGreaterThan(0);
  expect(oneObject(all.stdout).findings.map((f: { id: string }) => f.id)).toEqual(api.body.data.map((f: { id: string }) => f.id));
  expect(high.code).toBe(0);
  const highApi = await call('GET', `${t.audit}/findings?severity=high&status=new&limit=200`, { key: t.readKey });
  const n = highApi.body.data.length;
  expect(high.stdout.trim().split('\n')).toHaveLength(n ? n + 2 : 1);
}, 120_000);

it('export downloads the report in the asked format', async () => {
  const file = join(work, 'project.json');
  const res = await sitewarden(['export', '--format', 'json', '-o', file, '--json'], env);
  expect(res.code).toBe(0);
  const out = oneObject(res.stdout);
  expect(out).toMatchObject({ file, report: { status: 'exported', format: 'json' } });
  const bytes = await readFile(file);
  expect(out.bytes).toBe(bytes.length);
  const doc = JSON.parse(bytes.toString('utf8'));
  const api = await call('GET', `${t.audit}/findings?limit=200`, { key: t.readKey });
  expect(doc.findings.map((f: { id: string }) => f.id).sort()).toEqual(api.body.data.map((f: { id: string }) => f.id).sort());
}, 120_000);

it('GET findings?scan_id= keeps the findings that scan saw last; a malformed id is a 422', async () => {
  const scans = await call('GET', `${t.audit}/scans`, { key: t.readKey });
  const scan = scans.body.data.find((s: { url: string }) => s.url === site.defectsUrl);
  const all = await call('GET', `${t.audit}/findings?limit=200`, { key: t.readKey });
  const byScan = await call('GET', `${t.audit}/findings?scan_id=${scan.id.toUpperCase()}&limit=200`, { key: t.readKey });
  expect(byScan.status).toBe(200);
  const expected = all.body.data.filter((f: { last_seen_scan_id: string }) => f.last_seen_scan_id === scan.id);
  expect(byScan.body.data).toEqual(expected);
  expect(expected.length).toBeGreaterThan(0);
  expect(byScan.body.meta.total).toBe(expected.length);
  const none = await call('GET', `${t.audit}/findings?scan_id=00000000-0000-0000-0000-000000000000`, { key: t.readKey });
  expect(none.body).toMatchObject({ data: [], meta: { total: 0 } });
  const bad = await call('GET', `${t.audit}/findings?scan_id=nope`, { key: t.readKey });
  expect(bad.status).toBe(422);
  expect(bad.body.error).toMatchObject({ code: 'invalid_params', details: { scan_id: expect.any(Array) } });
});
