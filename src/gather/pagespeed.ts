import { request } from 'undici';
import type { PerformanceArtifacts } from '../checks/artifacts.ts';
import { toPerformanceArtifacts, type LighthouseResult, type LoadingExperience } from '../checks/performance/from-lhr.ts';

export interface PageSpeedOptions {
  /** PageSpeed Insights v5 runPagespeed endpoint. */
  apiUrl: string;
  apiKey?: string;
  timeoutMs: number;
  /** The activity's cancellation: the request is dropped at once. */
  signal?: AbortSignal;
}

interface PageSpeedResponse {
  lighthouseResult?: LighthouseResult;
  loadingExperience?: LoadingExperience;
  error?: { message?: string };
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

  let status: number;
  let body: PageSpeedResponse | undefined;
  try {
    const timeout = AbortSignal.timeout(timeoutMs);
    const response = await request(endpoint, { signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout });
    status = response.statusCode;
    body = (await response.body.json().catch(() => undefined)) as PageSpeedResponse | undefined;
  } catch (error) {
    throw fail(`PageSpeed Insights request failed: ${(error as Error).message}`);
  }
  if (status < 200 || status > 299) {
    throw fail(`PageSpeed Insights answered ${status}${body?.error?.message ? `: ${body.error.message.slice(0, 300)}` : ''}`);
  }
  if (!body?.lighthouseResult) throw fail('PageSpeed Insights answered without a lighthouseResult');
  return toPerformanceArtifacts(body.lighthouseResult, 'pagespeed', body.loadingExperience);
}
