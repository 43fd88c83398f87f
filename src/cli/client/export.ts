import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ClientError, type ApiClient } from './api-client.ts';
import { UsageError } from './connection.ts';

export const REPORT_FORMATS = ['pdf', 'html', 'json', 'csv', 'sarif'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** `--output report.sarif` → sarif: the file's extension names the format. */
export function formatForFile(file: string): ReportFormat {
  const ext = extname(file).slice(1).toLowerCase();
  const format = ext === 'htm' ? 'html' : ext;
  if ((REPORT_FORMATS as readonly string[]).includes(format)) return format as ReportFormat;
  throw new UsageError(`--output ${file}: the extension must be one of ${REPORT_FORMATS.map((f) => `.${f}`).join(', ')}`);
}

export interface ExportedReport {
  report: { id: string; status: string; format: string; sha256?: string | null; snapshot: Record<string, unknown>; [key: string]: unknown };
  file: string;
  bytes: number;
}

/**
 * POST reports/export, wait for `exported`, download `snapshot.export_url` into `file`
 * (through a temporary file beside it, so a failed download never leaves half a report).
 */
export async function exportReport(
  client: ApiClient,
  format: ReportFormat,
  file: string,
  options: { signal: AbortSignal; pollMs?: number; log?: (line: string) => void },
): Promise<ExportedReport> {
  const { data: queued } = await client.call<ExportedReport['report']>('POST', 'reports/export', { format });
  options.log?.(`report ${queued.id} (${format}) ${queued.status}`);
  let report = queued;
  while (report.status !== 'exported' && report.status !== 'shared') {
    if (report.status === 'failed') throw new ClientError(`the export failed: ${String(report.failure_reason ?? 'no reason given')}`);
    if (options.signal.aborted) throw new ClientError(`the export was not ready in time (report ${report.id} is ${report.status})`);
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1_000));
    ({ data: report } = await client.call<ExportedReport['report']>('GET', `reports/${encodeURIComponent(queued.id)}`));
  }
  const url = report.snapshot?.export_url;
  if (typeof url !== 'string') throw new ClientError(`report ${report.id} is ${report.status} but has no export_url`);

  const res = await client.download(url);
  const partial = `${file}.${process.pid}.part`;
  let bytes = 0;
  try {
    const body = Readable.fromWeb(res.body as unknown as WebReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(body, createWriteStream(partial));
    await rename(partial, file);
  } catch (err) {
    await rm(partial, { force: true });
    throw err instanceof ClientError ? err : new ClientError(`could not write ${file}: ${(err as Error).message}`);
  }
  options.log?.(`report ${report.id} written to ${file} (${bytes} bytes)`);
  return { report, file, bytes };
}
