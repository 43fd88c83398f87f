import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchPageSpeed } from '../../src/gather/pagespeed.ts';
import recorded from '../fixtures/pagespeed/lhr-mobile.json';

const KEY = 'AIzaTestKey-0123456789';

/** The shape of a real v5 runPagespeed answer, around the recorded Lighthouse result. */
const psiResponse = {
  captchaResult: 'CAPTCHA_NOT_NEEDED',
  kind: 'pagespeedonline#result',
  id: 'https://example.com/',
  loadingExperience: {
    id: 'https://example.com/',
    metrics: {
      LARGEST_CONTENTFUL_PAINT_MS: { percentile: 4200, distributions: [{ min: 0, max: 2500, proportion: 0.6 }], category: 'SLOW' },
      CUMULATIVE_LAYOUT_SHIFT_SCORE: { percentile: 3, distributions: [], category: 'FAST' },
      INTERACTION_TO_NEXT_PAINT: { percentile: 210, distributions: [], category: 'AVERAGE' },
    },
    overall_category: 'SLOW',
    initial_url: 'https://example.com/',
  },
  originLoadingExperience: { id: 'https://example.com', metrics: {}, overall_category: 'AVERAGE', initial_url: 'https://example.com/' },
  lighthouseResult: recorded,
  analysisUTCTimestamp: '2026-11-25T14:56:02.909Z',
};

let answer: (req: http.IncomingMessage, res: http.ServerResponse) => void;
const seen: URL[] = [];
let server: http.Server;
let apiUrl: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(new URL(req.url ?? '/', 'http://psi.test'));
    answer(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/pagespeedonline/v5/runPagespeed`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(psiResponse));
});

test('asks for a mobile performance run of the URL, with the key', async () => {
  const artifacts = await fetchPageSpeed({ apiUrl, apiKey: KEY, timeoutMs: 5_000 }, 'https://example.com/?a=1&b=2');
  const [request] = seen;
  expect(request?.pathname).toBe('/pagespeedonline/v5/runPagespeed');
  expect(Object.fromEntries(request?.searchParams ?? [])).toEqual({ url: 'https://example.com/?a=1&b=2', strategy: 'mobile', category: 'performance', key: KEY });

  expect(artifacts).toMatchObject({ source: 'pagespeed', url: 'http://127.0.0.1:8080/', lighthouseVersion: '13.5.0', metrics: { ttfbMs: 4 } });
  expect(artifacts.field).toEqual({ scope: 'page', lcpMs: 4200, cls: 0.03, inpMs: 210 });
  expect(artifacts.opportunities.length).toBeGreaterThan(0);
});

test('without a key, sends none', async () => {
  await fetchPageSpeed({ apiUrl, timeoutMs: 5_000 }, 'https://example.com/');
  expect(seen[0]?.searchParams.has('key')).toBe(false);
});

test('an error status fails with the status and Google’s message, never the key', async () => {
  answer = (_req, res) =>
    res.writeHead(500, { 'content-type': 'application/json' }).end(
      JSON.stringify({ error: { code: 500, message: `Lighthouse returned error: NO_FCP. (key ${KEY})`, status: 'INTERNAL' } }),
    );
  const error = await fetchPageSpeed({ apiUrl, apiKey: KEY, timeoutMs: 5_000 }, 'https://example.com/').catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toBe('PageSpeed Insights answered 500: Lighthouse returned error: NO_FCP. (key [redacted])');
  expect(JSON.stringify(error)).not.toContain(KEY);
  expect((error as Error).cause).toBeUndefined();
});

test('a 2xx without a Lighthouse result is an error', async () => {
  answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"pagespeedonline#result"}');
  await expect(fetchPageSpeed({ apiUrl, apiKey: KEY, timeoutMs: 5_000 }, 'https://example.com/')).rejects.toThrow('PageSpeed Insights answered without a lighthouseResult');
});

test('a slow API times out', async () => {
  answer = () => {}; // never answers
  await expect(fetchPageSpeed({ apiUrl, apiKey: KEY, timeoutMs: 300 }, 'https://example.com/')).rejects.toThrow(/PageSpeed Insights request failed/);
});

test('an unreachable API fails without the key in the message', async () => {
  const closed = http.createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const error = (await fetchPageSpeed({ apiUrl: `http://127.0.0.1:${port}/`, apiKey: KEY, timeoutMs: 5_000 }, 'https://example.com/').catch((e: Error) => e)) as Error;
  expect(error.message).toMatch(/^PageSpeed Insights request failed: /);
  expect(error.message).not.toContain(KEY);
});
