/**
 * Report export: time and peak RSS to export 10 000 findings in each format, and MinIO upload
 * throughput. The activities run as in the worker (MockActivityEnvironment supplies the
 * heartbeat context), each format in a fresh process that first exports an empty project (so
 * every module is loaded), then the 10 000: its RSS before and at peak; Chromium's processes
 * (PDF) are sampled from /proc (PSS) and given apart. PostgreSQL database
 * sitewarden_bench_reports is recreated on every run; artifacts go to a temporary folder.
 *
 *   source scripts/lib.sh && ensure_node && ensure_minio
 *   node_modules/.bin/tsx bench/report-export.ts [findings=10000]
 *
 * Figures go to stdout, progress to stderr. Linux only (/proc).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import type { WrittenArtifact } from '../src/activities/reports/export.ts';
import { createReportActivities } from '../src/activities/reports/index.ts';
import { createApp } from '../src/api/app.ts';
import { accessibilityChecks } from '../src/checks/accessibility/index.ts';
import { performanceChecks } from '../src/checks/performance/index.ts';
import { securityChecks } from '../src/checks/security/index.ts';
import { seoChecks } from '../src/checks/seo/index.ts';
import type { ReportFormat } from '../src/generated/prisma/enums.ts';
import { createSafeFetcher } from '../src/gather/safe-fetch.ts';
import { loadConfig } from '../src/platform/config.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { createLogger } from '../src/platform/logger.ts';
import { ensureDatabase, migrate } from '../src/platform/migrate.ts';
import { createS3Storage } from '../src/platform/storage/s3.ts';
import { startMinio } from '../test/support/minio.ts';
import { dropDatabase } from '../test/support/scratch-database.ts';

const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_reports';
const FORMATS: ReportFormat[] = ['json', 'csv', 'sarif', 'html', 'pdf'];
const UPLOAD_MB = 256;
const MB = 1024 * 1024;
const log = (message: string) => console.error(`[bench] ${message}`);

// ---- child: one export, as the worker runs it ---------------------------------------------------

async function exportOne(reportId: string, warmUpId: string): Promise<void> {
  const config = loadConfig();
  const db = connectDatabase(config.DATABASE_URL, 2);
  const fetcher = createSafeFetcher({ allowlist: config.allowlist });
  const activities = createReportActivities({ prisma: db.prisma, config, fetcher });
  const env = new MockActivityEnvironment();
  const exportReport = async (id: string) => {
    await env.run(activities.startReportExport, id);
    const artifact = (await env.run(activities.writeReportArtifact, id)) as WrittenArtifact;
    await env.run(() => activities.recordReportExport(id, artifact));
    return artifact;
  };
  // An export of an empty project first: every module the export needs is loaded before measuring.
  await exportReport(warmUpId);
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const chromium = sampleDescendants();
  const started = performance.now();
  const artifact = await exportReport(reportId);
  const ms = performance.now() - started;
  clearInterval(sampler);
  const report = { ms, peakRssMb: Math.max(peak, process.memoryUsage().rss) / MB, baselineRssMb: baseline / MB, chromiumPeakPssMb: chromium.stop() / MB, bytes: artifact.bytes, findings: artifact.findingCount };
  console.log(JSON.stringify(report));
  await fetcher.close();
  await db.close();
}

/** The summed PSS of this process's descendants (Chromium's processes: shared pages counted once), sampled every 50 ms; stop() gives the peak. */
function sampleDescendants() {
  let peak = 0;
  const sample = () => {
    const parent = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        parent.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // gone meanwhile
      }
    }
    const isDescendant = (pid: number): boolean => {
      for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true;
      return false;
    };
    let rss = 0;
    for (const pid of parent.keys()) {
      if (!isDescendant(pid)) continue;
      try {
        rss += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) * 1024;
      } catch {
        // gone meanwhile
      }
    }
    peak = Math.max(peak, rss);
  };
  const timer = setInterval(sample, 50);
  return {
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

// ---- parent --------------------------------------------------------------------------------------

interface ExportFigures {
  ms: number;
  peakRssMb: number;
  baselineRssMb: number;
  chromiumPeakPssMb: number;
  bytes: number;
  findings: number;
}

function runChild(reportId: string, warmUpId: string, env: NodeJS.ProcessEnv): Promise<ExportFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(__dirname, '../node_modules/.bin/tsx'), [__filename, '--export', reportId, warmUpId], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`export child exited ${code}`))));
  });
}

async function seed(prisma: ReturnType<typeof connectDatabase>['prisma'], count: number) {
  const org = await createOrg(prisma, 'bench');
  const project = await createProject(prisma, org.id, 'bench-site');
  const scan = await prisma.scanRun.create({
    data: {
      org_id: org.id,
      project_id: project.id,
      url: 'https://example.com/',
      status: 'completed',
      workflow_id: 'scan-bench',
      scanners: ['security', 'seo', 'accessibility', 'performance'],
      summary: { health_score: 12, summary: `${count} findings across four domains.` },
      started_at: new Date(),
      finished_at: new Date(),
    },
  });
  const checks = [...securityChecks, ...seoChecks, ...accessibilityChecks, ...performanceChecks];
  const severities = ['critical', 'high', 'medium', 'low'] as const;
  for (let offset = 0; offset < count; offset += 1_000) {
    await prisma.finding.createMany({
      data: Array.from({ length: Math.min(1_000, count - offset) }, (_, k) => {
        const i = offset + k;
        const check = checks[i % checks.length]!;
        const page = `https://example.com/section-${i % 50}/page-${i}`;
        return {
          org_id: org.id,
          project_id: project.id,
          domain: check.domain,
          check_id: check.id,
          // Titles are unique per project: one finding per check and page here.
          title: `${check.title} (${page})`,
          description: `${check.description.slice(0, 200)} Seen on ${page}.`,
          severity: severities[i % 4]!,
          priority_score: 100 - (i % 100),
          impact_score: 60,
          effort_score: 30,
          risk_score: 50,
          evidence: { url: page, header: 'content-security-policy', value: null, sample: randomBytes(24).toString('base64') },
          affected_assets: [{ type: 'url', value: page }],
          verification_key: check.verificationKey,
          first_seen_scan_id: scan.id,
          last_seen_scan_id: scan.id,
        };
      }),
    });
  }
  // One detection per finding, a week ago, and a status change for every tenth since: history for the burn-down.
  await prisma.$executeRaw`
    INSERT INTO finding_events (id, org_id, project_id, finding_id, kind, status, severity, priority_score, actor, created_at)
    SELECT gen_random_uuid(), org_id, project_id, id, 'detected', 'new', severity, 0, 'bench', now() - interval '8 days' FROM findings WHERE org_id = ${org.id}::uuid`;
  await prisma.$executeRaw`
    INSERT INTO finding_events (id, org_id, project_id, finding_id, kind, from_status, status, severity, priority_score, actor, created_at)
    SELECT gen_random_uuid(), org_id, project_id, id, 'status_changed', 'new', 'resolved', severity, priority_score, 'bench', now() - (priority_score % 7) * interval '1 day'
      FROM findings WHERE org_id = ${org.id}::uuid AND priority_score % 10 = 0`;
  const key = await createKey(prisma, { orgId: org.id, scopes: ['audit:read'] });
  return { orgId: org.id, projectId: project.id, key: key.key };
}

/** Median latency of a GET through the real API (in-process, over HTTP). */
async function medianLatency(url: string, key: string, runs = 30): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now();
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
    await res.arrayBuffer();
    if (i >= 3) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  await dropDatabase(DATABASE_URL);
  await ensureDatabase(DATABASE_URL);
  await migrate(DATABASE_URL);
  const db = connectDatabase(DATABASE_URL, 2);
  const storageDir = await mkdtemp(path.join(tmpdir(), 'sitewarden-bench-reports-'));
  const minio = await startMinio();
  try {
    log(`seeding ${count} findings`);
    const scope = await seed(db.prisma, count);
    const empty = await createProject(db.prisma, scope.orgId, 'empty-site');
    const reportOf = async (projectId: string, format: ReportFormat) =>
      (await db.prisma.report.create({ data: { id: randomUUID(), org_id: scope.orgId, project_id: projectId, format, status: 'queued' } })).id;
    const exportIn = async (format: ReportFormat, childEnv: NodeJS.ProcessEnv) =>
      runChild(await reportOf(scope.projectId, format), await reportOf(empty.id, format), childEnv);
    const env = { ...process.env, DATABASE_URL, STORAGE_DIR: storageDir, LOG_LEVEL: 'silent' };

    const config = loadConfig({ ...process.env, DATABASE_URL, LOG_LEVEL: 'silent', RATE_LIMIT_DEFAULT_MAX: '100000' });
    // The read routes need no Temporal: the client is never touched.
    const server = createServer(createApp({ config, db, temporal: undefined as never, logger: createLogger('silent', 'bench') }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const audit = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/orgs/${scope.orgId}/projects/${scope.projectId}/audit`;
    const commandCenterMs = await medianLatency(`${audit}/command-center`, scope.key);
    const summaryMs = await medianLatency(`${audit}/reports/summary`, scope.key);
    await new Promise((resolve) => server.close(resolve));

    const rows: Array<[string, ExportFigures]> = [];
    for (const format of FORMATS) {
      log(`exporting ${format}`);
      rows.push([format, await exportIn(format, env)]);
    }
    log('exporting json to MinIO');
    rows.push(['json → MinIO', await exportIn('json', { ...env, ...minio.env('bench-exports') })]);

    log(`uploading ${UPLOAD_MB} MiB to MinIO`);
    const s3 = createS3Storage({ ...minioSettings(minio), bucket: 'bench-upload' });
    const block = randomBytes(MB);
    await s3.put('warm-up', Readable.from([block]), 'application/octet-stream');
    const started = performance.now();
    await s3.put('bench/upload.bin', Readable.from((function* () {
      for (let i = 0; i < UPLOAD_MB; i++) yield block;
    })()), 'application/octet-stream');
    const seconds = (performance.now() - started) / 1000;

    console.log(`\nReport export, ${count} findings (filesystem storage unless noted; each export also writes the HTML view share links show):\n`);
    console.log('format        time     artifact    node peak RSS (before)     chromium peak PSS');
    for (const [name, f] of rows) {
      console.log(
        `${name.padEnd(13)} ${`${(f.ms / 1000).toFixed(2)} s`.padStart(7)}  ${`${(f.bytes / MB).toFixed(1)} MiB`.padStart(10)}    ${`${f.peakRssMb.toFixed(0)} MB (${f.baselineRssMb.toFixed(0)} MB)`.padStart(22)}   ${f.chromiumPeakPssMb ? `${f.chromiumPeakPssMb.toFixed(0)} MB` : '—'}`,
      );
    }
    console.log(`\nGET command-center: median ${commandCenterMs.toFixed(1)} ms; GET reports/summary: median ${summaryMs.toFixed(1)} ms (${count} findings, ${count + count / 10} events; API in-process, over HTTP)`);
    console.log(`\nMinIO upload (lib-storage multipart, 8 MiB parts, 4 in flight): ${UPLOAD_MB} MiB in ${seconds.toFixed(2)} s = ${(UPLOAD_MB / seconds).toFixed(0)} MiB/s`);
  } finally {
    await minio.stop();
    await db.close();
    await rm(storageDir, { recursive: true, force: true });
    await dropDatabase(DATABASE_URL);
  }
}

function minioSettings(minio: Awaited<ReturnType<typeof startMinio>>) {
  return { endpoint: minio.endpoint, region: 'us-east-1', accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey, forcePathStyle: true };
}

const exportArg = process.argv.indexOf('--export');
(exportArg >= 0 ? exportOne(process.argv[exportArg + 1]!, process.argv[exportArg + 2]!) : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
