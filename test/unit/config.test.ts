import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { envSchema, loadConfig, MAX_EXPORT_URL_TTL_SECONDS, MAX_SHARE_URL_TTL_SECONDS } from '../../src/platform/config.ts';
import { PRODUCTION_NODE_FLAGS } from '../../src/platform/node-flags.ts';

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, TEMPORAL_NAMESPACE: 'default', RATE_LIMIT_DEFAULT_MAX: 100, RATE_LIMIT_STRICT_MAX: 30 });
    expect(config.allowlist.allowsAddress('127.0.0.1')).toBe(false);
  });

  it('names every bad variable', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', RATE_LIMIT_STRICT_MAX: '-1' });
    } catch (err) {
      message = (err as Error).message;
    }
    for (const name of ['PORT', 'DATABASE_URL', 'RATE_LIMIT_STRICT_MAX']) expect(message).toContain(name);
  });

  it('names a bad allowlist entry', () => {
    expect(() => loadConfig({ SITEWARDEN_ALLOW_PRIVATE_HOSTS: '127.0.0.1, 10.0.0.0/99' })).toThrow(/SITEWARDEN_ALLOW_PRIVATE_HOSTS/);
  });

  it('requires the instance secret in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/SITEWARDEN_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', SITEWARDEN_SECRET: 'short' })).toThrow(/SITEWARDEN_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', SITEWARDEN_SECRET: 'x'.repeat(32) }).NODE_ENV).toBe('production');
  });
});

describe('signed links', () => {
  it('bounds the lifetime of download and share links, naming the variable', () => {
    expect(() => loadConfig({ SHARE_URL_TTL_SECONDS: String(MAX_SHARE_URL_TTL_SECONDS + 1) })).toThrow(/SHARE_URL_TTL_SECONDS/);
    expect(() => loadConfig({ SHARE_URL_TTL_SECONDS: '31536000' })).toThrow(/SHARE_URL_TTL_SECONDS/);
    expect(() => loadConfig({ EXPORT_URL_TTL_SECONDS: String(MAX_EXPORT_URL_TTL_SECONDS + 1) })).toThrow(/EXPORT_URL_TTL_SECONDS/);
    expect(loadConfig({ SHARE_URL_TTL_SECONDS: String(MAX_SHARE_URL_TTL_SECONDS), EXPORT_URL_TTL_SECONDS: String(MAX_EXPORT_URL_TTL_SECONDS) })).toMatchObject({
      SHARE_URL_TTL_SECONDS: 30 * 24 * 3600,
      EXPORT_URL_TTL_SECONDS: 7 * 24 * 3600,
    });
    expect(loadConfig({}).SHARE_URL_TTL_SECONDS).toBe(7 * 24 * 3600);
  });

  it('requires PUBLIC_BASE_URL whenever SMTP is configured, so email links never take the Host header', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525' })).toThrow(/PUBLIC_BASE_URL: required when SMTP_URL is set/);
    expect(loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', PUBLIC_BASE_URL: 'https://audit.example.com' }).PUBLIC_BASE_URL).toBe('https://audit.example.com');
    expect(() => loadConfig({ SMTP_URL: 'smtp://127.0.0.1:2525', PUBLIC_BASE_URL: 'javascript:alert(1)' })).toThrow(/PUBLIC_BASE_URL/);
    expect(loadConfig({}).PUBLIC_BASE_URL).toBeUndefined();
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${__dirname}/../../docker-compose.yml`, 'utf8'), { merge: true });
  const known = new Set(Object.keys(envSchema.shape));

  it.each(['api', 'worker', 'browser-worker', 'migrate'])('%s sets only variables the config schema knows, and they validate', (service) => {
    const environment: Record<string, string> = compose.services[service].environment;
    expect(Object.keys(environment).length).toBeGreaterThan(3);
    for (const name of Object.keys(environment)) expect(known).toContain(name);
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [k, String(v).replace(/\$\{SITEWARDEN_SECRET[^}]*\}/, 'x'.repeat(32))]),
    );
    expect(() => loadConfig(resolved)).not.toThrow();
  });

  it('runs Temporal, PostgreSQL, MinIO, the API, the main worker and the browser worker', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['temporal', 'postgresql', 'minio', 'api', 'worker', 'browser-worker']));
  });

  it('runs each process from the production build, the workers one role each', () => {
    const command = (service: string) => compose.services[service].command as string[];
    expect(command('api')).toEqual(['node', ...PRODUCTION_NODE_FLAGS.api, 'dist/api/main.js']);
    expect(command('worker')).toEqual(['node', ...PRODUCTION_NODE_FLAGS.worker, 'dist/worker.js', '--role', 'main']);
    expect(command('browser-worker')).toEqual(['node', ...PRODUCTION_NODE_FLAGS.worker, 'dist/worker.js', '--role', 'browser']);
    expect(command('migrate')).toEqual(['node', 'dist/cli/main.js', 'migrate']);
    // Chromium is in the browser image only.
    expect(compose.services['browser-worker'].build.target).toBe('browser');
    expect(compose.services.worker.build.target).toBe('app');
  });

  it("the Dockerfile's commands are the same as compose's", () => {
    const dockerfile = readFileSync(`${__dirname}/../../Dockerfile`, 'utf8');
    const cmds = [...dockerfile.matchAll(/^CMD (\[.*\])$/gm)].map((m) => JSON.parse(m[1]!) as string[]);
    expect(cmds).toEqual([compose.services.api.command, compose.services['browser-worker'].command]);
  });
});
