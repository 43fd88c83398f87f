import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiClient, ClientError } from './api-client.ts';
import { resolveConnection, UsageError, type ConnectionFlags } from './connection.ts';
import { allFindings } from './findings.ts';
import { exportReport, formatForFile, REPORT_FORMATS, type ReportFormat } from './export.ts';
import { SseProgressSource } from './sse-progress.ts';
import { isFinished, PlainReporter, PollingProgressSource, type ProgressReporter, type ScanProgressSource, type ScanSnapshot } from './progress.ts';
import { EXIT, scanVerdict, SEVERITIES, type Severity } from './severity.ts';
import { findingsTable } from './table.ts';

/** The commands that talk to a (possibly remote) instance over HTTP: no database, no Temporal. */
export const CLIENT_COMMANDS = ['scan', 'findings', 'export'] as const;

const SCANNER_NAMES = ['performance', 'security', 'seo', 'accessibility'];
const FINDING_STATUSES = ['new', 'triaged', 'in_progress', 'ready_verify', 'resolved', 'dismissed'];
const DOMAINS = SCANNER_NAMES;


type Common = ConnectionFlags & { json?: boolean; requestTimeout: number };

function connectionOptions(command: Command): Command {
  return command
    .addOption(new Option('--api <url>', 'the instance, e.g. https://sitewarden.example.com (env SITEWARDEN_API_URL)'))
    .addOption(new Option('--key <key>', 'API key; prefer the env SITEWARDEN_API_KEY, which no process list shows'))
    .addOption(new Option('--org <org_id>', 'org id (env SITEWARDEN_ORG)'))
    .addOption(new Option('--project <project_id>', 'project id (env SITEWARDEN_PROJECT)'))
    .addOption(new Option('--request-timeout <seconds>', 'per HTTP request').default(30).argParser(positiveNumber('--request-timeout')))
    .addOption(new Option('--json', 'print exactly one JSON object on stdout'))
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.error));
}

function positiveNumber(flag: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number of seconds`);
    return n;
  };
}

function clientFor(opts: Common, log: (line: string) => void): ApiClient {
  const connection = resolveConnection(opts, process.env);
  return new ApiClient(connection, { timeoutMs: opts.requestTimeout * 1_000, onRetry: log });
}

const stderrLine = (line: string) => process.stderr.write(`${line}\n`);

/** Every failure of these commands: a clear line on stderr (JSON with --json), exit code 2. */
async function guarded(json: boolean | undefined, action: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await action();
  } catch (err) {
    const expected = err instanceof UsageError || err instanceof ClientError;
    const message = expected ? (err as Error).message : `unexpected error: ${(err as Error)?.message ?? String(err)}`;
    process.stderr.write(json ? `${JSON.stringify({ error: message })}\n` : `sitewarden: ${message}\n`);
    process.exitCode = EXIT.error;
  }
}

function parseList(flag: string, value: string | undefined, allowed: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = items.filter((s) => !allowed.includes(s));
  if (items.length === 0 || unknown.length) throw new UsageError(`${flag}: ${unknown.length ? `unknown ${unknown.join(', ')}` : 'empty'}; choose from ${allowed.join(', ')}`);
  return [...new Set(items)];
}

/** Where progress comes from: the scan's event stream, polling when the stream cannot be had. */
export function progressSource(client: ApiClient): ScanProgressSource {
  return new SseProgressSource(client, { onNotice: stderrLine, fallback: new PollingProgressSource(client) });
}

async function reporterFor(): Promise<ProgressReporter> {
  // Live lines only when a person watches (both streams a terminal); CI logs get plain lines.
  if (process.stderr.isTTY && process.stdout.isTTY && !process.env.CI) {
    const { TtyReporter } = await import('./tty-progress.ts');
    return new TtyReporter();
  }
  return new PlainReporter(stderrLine);
}

export function registerClientCommands(program: Command): void {
  connectionOptions(
    program
      .command('scan')
      .description('scan a URL on a Sitewarden instance; with --wait, exit 1 when a finding reaches --fail-on')
      .argument('<url>', 'the page to scan')
      .option('--wait', 'wait for the scan to finish, show its progress and findings')
      .option('--only <scanners>', `comma-separated subset of ${SCANNER_NAMES.join(',')}`)
      .addOption(new Option('--fail-on <severity>', 'exit 1 when a finding of this severity or worse is found').choices(SEVERITIES))
      .option('--output <file>', 'write the project report: .json, .sarif, .html, .csv or .pdf')
      .addOption(new Option('--timeout <seconds>', 'give up waiting (exit 2) after this long').default(1800).argParser(positiveNumber('--timeout'))),
  ).action((url: string, opts: Common & { wait?: boolean; only?: string; failOn?: Severity; output?: string; timeout: number }) =>
    guarded(opts.json, async () => {
      const scanners = parseList('--only', opts.only, SCANNER_NAMES);
      const format: ReportFormat | undefined = opts.output ? formatForFile(opts.output) : undefined;
      if (!opts.wait && (opts.failOn || opts.output)) throw new UsageError('--fail-on and --output need --wait');
      const log = stderrLine;
      const client = clientFor(opts, log);
      const { data: queued } = await client.call<ScanSnapshot>('POST', 'scans/run', { url, ...(scanners ? { scanners } : {}) });
      if (!opts.wait) {
        process.stdout.write(opts.json ? `${JSON.stringify({ scan: queued, findings: [] })}\n` : `scan ${queued.id} ${queued.status} (${queued.workflow_id})\n`);
        return EXIT.ok;
      }

      const signal = AbortSignal.timeout(opts.timeout * 1_000);
      const reporter = await reporterFor();
      let scan: ScanSnapshot = queued;
      // The state it was queued in: every change the watch sees is told from there.
      reporter.update(queued);
      try {
        for await (const state of progressSource(client).watch(queued.id, signal)) {
          scan = state;
          reporter.update(state);
        }
      } catch (err) {
        if (signal.aborted) throw new ClientError(`scan ${queued.id} did not finish within ${opts.timeout} s (it is ${scan.status})`);
        throw err;
      } finally {
        await reporter.close();
      }
      if (!isFinished(scan)) throw new ClientError(`scan ${scan.id} ended the watch while ${scan.status}`);

      const findings = scan.status === 'completed' ? await allFindings(client, { scan_id: scan.id }) : [];
      const counted = scan.summary?.findings_total;
      const open = findings.filter((f) => f.status !== 'dismissed').length;
      if (typeof counted === 'number' && open < counted) {
        log(`warning: the scan recorded ${counted} findings but ${open} are still attributed to it; a later scan of this project saw the others again`);
      }
      const verdict = scanVerdict(scan, findings, opts.failOn);

      let exported: Awaited<ReturnType<typeof exportReport>> | undefined;
      if (opts.output && format && scan.status === 'completed') {
        exported = await exportReport(client, format, opts.output, { signal: AbortSignal.timeout(opts.timeout * 1_000), log });
      }

      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ scan, findings })}\n`);
      } else {
        const health = scan.summary?.health_score;
        process.stdout.write(`${findingsTable(findings, process.stdout.columns || 120)}\n\n`);
        process.stdout.write(
          `scan ${scan.id} ${scan.status}${typeof health === 'number' ? `, health ${health}/100` : ''}, ${findings.length} finding${findings.length === 1 ? '' : 's'}` +
            `${exported ? `, report in ${exported.file}` : ''}: ${verdict.reason}\n`,
        );
      }
      if (verdict.code === EXIT.error) log(`sitewarden: ${verdict.reason}`);
      return verdict.code;
    }),
  );

  connectionOptions(
    program
      .command('findings')
      .description("list the project's findings (every page)")
      .addOption(new Option('--severity <severity>', 'only this severity').choices(SEVERITIES))
      .addOption(new Option('--status <status>', 'only this status').choices(FINDING_STATUSES))
      .addOption(new Option('--domain <domain>', 'only this domain').choices(DOMAINS))
      .option('--scan <scan_id>', 'only the findings last seen by this scan'),
  ).action((opts: Common & { severity?: string; status?: string; domain?: string; scan?: string }) =>
    guarded(opts.json, async () => {
      const client = clientFor(opts, stderrLine);
      const findings = await allFindings(client, { severity: opts.severity, status: opts.status, domain: opts.domain, scan_id: opts.scan });
      process.stdout.write(opts.json ? `${JSON.stringify({ findings })}\n` : `${findingsTable(findings, process.stdout.columns || 120)}\n`);
      return EXIT.ok;
    }),
  );

  connectionOptions(
    program
      .command('export')
      .description("export the project's report and download it")
      .addOption(new Option('--format <format>', 'report format').choices(REPORT_FORMATS).makeOptionMandatory())
      .requiredOption('-o, --output <file>', 'where to write it')
      .addOption(new Option('--timeout <seconds>', 'give up waiting for the export (exit 2)').default(600).argParser(positiveNumber('--timeout'))),
  ).action((opts: Common & { format: ReportFormat; output: string; timeout: number }) =>
    guarded(opts.json, async () => {
      const client = clientFor(opts, stderrLine);
      const exported = await exportReport(client, opts.format, opts.output, { signal: AbortSignal.timeout(opts.timeout * 1_000), log: opts.json ? undefined : stderrLine });
      process.stdout.write(opts.json ? `${JSON.stringify(exported)}\n` : `${exported.file} (${exported.bytes} bytes, sha256 ${exported.report.sha256 ?? '?'})\n`);
      return EXIT.ok;
    }),
  );
}
