import { request } from 'undici';
import type { PerformanceArtifacts } from '../checks/artifacts.ts';
import { clip } from '../checks/bounds.ts';
import { toPerformanceArtifacts } from '../checks/performance/from-lhr.ts';
import { lighthousePerformanceAudits } from './lighthouse-audits.ts';

/** PageSpeed Insights answers 0.5–2 MB; a third party's answer past this is refused unread. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

export interface PageSpeedOptions {
  /** PageSpeed Insights v5 runPagespeed endpoint. */
  apiUrl: string;
  apiKey?: string;
  timeoutMs: number;
  /** The activity's cancellation: the request is dropped at once. */
  signal?: AbortSignal;
}

interface PageSpeedResponse {
  lighthouseResult?: unknown;
  loadingExperience?: unknown;
  error?: { message?: unknown };
}

/** Google's mobile Lighthouse run of `url`, with CrUX field data when Google has some. */
export async function fetchPageSpeed(options: PageSpeedOptions, url: string): Promise<PerformanceArtifacts> {
  const { apiKey, timeoutMs } = options;
  const endpoint = new URL(options.apiUrl);
  endpoint.searchParams.set('url', url);
  endpoint.searchParams.set('strategy', 'mobile');
  endpoint.searchParams.set('category', 'performance');
  if (apiKey) endpoint.searchParams.set('key', apiKey);
  // Error texts go to logs and Temporal's history: no cause attached, and never the key.
  const fail = (message: string) => new Error(apiKey ? message.replaceAll(apiKey, '[redacted]') : message);

  const knownAudits = await lighthousePerformanceAudits();
  let status: number;
  let body: PageSpeedResponse | undefined;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await request(endpoint, { signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
    status = response.statusCode;
    body = parseAnswer(await readBounded(response.body));
  } catch (error) {
    throw fail(`PageSpeed Insights request failed: ${(error as Error).message}`);
  }
  if (status < 200 || status > 299) {
    const message = typeof body?.error?.message === 'string' ? `: ${clip(body.error.message, 300)}` : '';
    throw fail(`PageSpeed Insights answered ${status}${message}`);
  }
  if (!body?.lighthouseResult) throw fail('PageSpeed Insights answered without a lighthouseResult');
  try {
    return toPerformanceArtifacts(body.lighthouseResult, 'pagespeed', knownAudits, body.loadingExperience);
  } catch (error) {
    throw fail((error as Error).message);
  }
}

/** The body, refused past MAX_ANSWER_BYTES (the stream is destroyed, the connection with it). */
async function readBounded(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      body.destroy();
      throw new Error(`the answer exceeds ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseAnswer(text: string): PageSpeedResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as PageSpeedResponse) : undefined;
  } catch {
    return undefined;
  }
}
