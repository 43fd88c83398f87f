/**
 * What `sitewarden scan … --wait` costs over doing the same with curl: the same light scan
 * (security, seo) of the fixture site's defective page, against the real API and worker processes,
 * a Temporal dev server (in memory) and PostgreSQL (database sitewarden_bench_cli, recreated on
 * every run). The curl loop polls GET scans/:id once a second, the CLI follows GET scans/:id/events;
 * both then read the scan's findings.
 *
 *   source scripts/lib.sh && ensure_node && ensure_temporal
 *   node_modules/.bin/tsx bench/cli-overhead.ts [rounds, default 5]
 *
 * Each client runs under /usr/bin/time: wall time, CPU (user + system) and peak RSS of the client
 * alone (the CLI: bin/sitewarden → tsx → node; curl: sh and every curl it starts). Rounds
 * alternate CLI and curl, so machine load hits both alike. Results go to stdout, progress to stderr.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { createKey, createOrg, createProject } from '../src/admin/tenants.ts';
import { connectDatabase } from '../src/platform/db.ts';
import { startFixtureSite } from '../test/support/fixture-site.ts';
import { fixed, log, mean, onCleanup, printTable, recreateDatabase, requireTemporalCli, ROOT, runBench, startStack, workDir } from './support.ts';

const run = promisify(execFile);
const DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/sitewarden_bench_cli';
const CLI = path.join(ROOT, 'bin/sitewarden');

/** The curl way: start, poll once a second until the scan's own status settles, read its findings. */
const CURL_SCAN = String.raw`
set -eu
auth="Authorization: Bearer $SITEWARDEN_API_KEY"
base="$SITEWARDEN_API_URL/api/v1/orgs/$SITEWARDEN_ORG/projects/$SITEWARDEN_PROJECT/audit"
id=$(curl -sfS -X POST -H "$auth" -H 'content-type: application/json' \
  -d "{\"url\":\"$TARGET\",\"scanners\":[\"security\",\"seo\"]}" "$base/scans/run" | sed -E 's/^\{"data":\{"id":"([^"]+)".*/\1/')
while :; do
  scan=$(curl -sfS -H "$auth" "$base/scans/$id")
  if printf '%s' "$scan" | grep -Eq '"trigger":"[a-z_]+","status":"(completed|failed)"'; then break; fi
  sleep 1
done
curl -sfS -H "$auth" "$base/findings?scan_id=$id&limit=200" >/dev/null
`;
const CURL_LIST = String.raw`curl -sfS -H "Authorization: Bearer $SITEWARDEN_API_KEY" "$SITEWARDEN_API_URL/api/v1/orgs/$SITEWARDEN_ORG/projects/$SITEWARDEN_PROJECT/audit/findings?limit=200" >/dev/null`;

interface Sample {
  wallS: number;
  cpuS: number;
  rssMiB: number;
}

async function timed(env: NodeJS.ProcessEnv, command: string[]): Promise<Sample> {
  const out = path.join(workDir(), 'time.txt');
  await run('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, ...command], { env, maxBuffer: 64 * 1024 * 1024 });
  const [wall, user, sys, rssKb] = readFileSync(out, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
  return { wallS: wall!, cpuS: user! + sys!, rssMiB: rssKb! / 1024 };
}

runBench(
  'cli-overhead',
  async () => {
    const rounds = Number(process.argv[2] ?? 5);
    log('database sitewarden_bench_cli, Temporal, API and worker');
    await recreateDatabase(DATABASE_URL);
    const site = await startFixtureSite();
    onCleanup(() => site.close(), { afterChildren: true });
    const stack = await startStack(requireTemporalCli(), {
      DATABASE_URL,
      SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1',
      RATE_LIMIT_DEFAULT_MAX: '100000',
      RATE_LIMIT_STRICT_MAX: '100000',
      LOG_LEVEL: 'warn',
    });
    const db = connectDatabase(DATABASE_URL, 2);
    onCleanup(() => db.close());
    const org = await createOrg(db.prisma, 'bench-cli');
    const project = await createProject(db.prisma, org.id, 'bench-site');
    const { key } = await createKey(db.prisma, { orgId: org.id, scopes: ['audit:write'] });
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      CI: 'true',
      SITEWARDEN_API_URL: stack.baseUrl,
      SITEWARDEN_API_KEY: key,
      SITEWARDEN_ORG: org.id,
      SITEWARDEN_PROJECT: project.id,
      TARGET: site.defectsUrl,
    };

    // One of each first: tsx's compile cache and the worker's first-scan costs are not what we compare.
    log('warming up');
    await timed(env, [CLI, 'findings', '--json']);
    await timed(env, ['sh', '-c', CURL_SCAN]);

    const samples: Record<string, Sample[]> = { 'findings: sitewarden': [], 'findings: curl': [], 'scan --wait: sitewarden': [], 'scan --wait: curl': [] };
    for (let i = 0; i < rounds; i++) {
      log(`round ${i + 1}/${rounds}`);
      samples['findings: sitewarden']!.push(await timed(env, [CLI, 'findings', '--json']));
      samples['findings: curl']!.push(await timed(env, ['sh', '-c', CURL_LIST]));
      samples['scan --wait: sitewarden']!.push(await timed(env, [CLI, 'scan', site.defectsUrl, '--wait', '--only', 'security,seo', '--json']));
      samples['scan --wait: curl']!.push(await timed(env, ['sh', '-c', CURL_SCAN]));
    }

    const f2 = fixed(2);
    const row = (name: string) => {
      const s = samples[name]!;
      return [name, f2(mean(s.map((x) => x.wallS))), f2(Math.min(...s.map((x) => x.wallS))), f2(mean(s.map((x) => x.cpuS))), fixed(0)(Math.max(...s.map((x) => x.rssMiB)))];
    };
    printTable(`CLI against curl, ${rounds} rounds (light scan of the fixture's defective page)`, ['client', 'wall s (mean)', 'wall s (min)', 'CPU s (mean)', 'peak RSS MiB'], Object.keys(samples).map(row));
    const over = (a: string, b: string, pick: (x: Sample) => number) => mean(samples[a]!.map(pick)) - mean(samples[b]!.map(pick));
    console.log(
      `\noverhead of the CLI: findings ${f2(over('findings: sitewarden', 'findings: curl', (x) => x.wallS))} s wall, ${f2(over('findings: sitewarden', 'findings: curl', (x) => x.cpuS))} s CPU;` +
        ` scan --wait ${f2(over('scan --wait: sitewarden', 'scan --wait: curl', (x) => x.wallS))} s wall, ${f2(over('scan --wait: sitewarden', 'scan --wait: curl', (x) => x.cpuS))} s CPU`,
    );
  },
  20 * 60_000,
);
