import { chromium } from 'playwright-core';
import { openApiDocument } from '../../src/api/openapi.ts';
import { call } from '../support/http.ts';
import { METHODS } from '../support/openapi-contract.ts';
import { startStack, type Stack } from '../support/stack.ts';

const chromePath = process.env.CHROME_PATH ?? '/usr/bin/chromium';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({}, { worker: false });
});
afterAll(() => stack.close());

const operationCount = () =>
  Object.values(openApiDocument().paths ?? {}).reduce((n, item) => n + METHODS.filter((m) => (item as Record<string, unknown>)[m]).length, 0);

describe('GET /openapi.json', () => {
  it('serves the document without an API key', async () => {
    const res = await call('GET', `${stack.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(res.body.openapi).toBe('3.1.1');
  });
});

describe('GET /docs', () => {
  it('is a page without inline scripts, under a CSP that allows none', async () => {
    const res = await call('GET', `${stack.baseUrl}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(res.text).not.toMatch(/https?:\/\//);
  });

  it('serves only its own assets', async () => {
    const css = await call('GET', `${stack.baseUrl}/docs/assets/swagger-ui.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    for (const name of ['package.json', 'index.html', '..%2Fpackage.json', 'swagger-initializer.js']) {
      const res = await call('GET', `${stack.baseUrl}/docs/assets/${name}`);
      expect([name, res.status, res.body?.error?.code]).toEqual([name, 404, 'not_found']);
    }
  });

  it('renders every operation in Chromium from local assets, with no CSP violation', async () => {
    const browser = await chromium.launch({ executablePath: chromePath, args: ['--no-sandbox', '--headless=new'] });
    try {
      const page = await browser.newPage();
      const foreign: string[] = [];
      const problems: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(stack.baseUrl) && !request.url().startsWith('data:')) foreign.push(request.url());
      });
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${stack.baseUrl}/docs`, { waitUntil: 'load' });
      await page.waitForFunction(`document.querySelectorAll('.opblock').length === ${operationCount()}`, undefined, { timeout: 30_000 });
      expect(await page.locator('.opblock').count()).toBe(operationCount());
      expect(await page.locator('.info .title').innerText()).toContain('Sitewarden API');
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
