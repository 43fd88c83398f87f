import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { envSchema, loadConfig } from '../../src/platform/config.ts';

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

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(`${__dirname}/../../docker-compose.yml`, 'utf8'), { merge: true });
  const known = new Set(Object.keys(envSchema.shape));

  it.each(['api', 'worker', 'migrate'])('%s sets only variables the config schema knows, and they validate', (service) => {
    const environment: Record<string, string> = compose.services[service].environment;
    expect(Object.keys(environment).length).toBeGreaterThan(3);
    for (const name of Object.keys(environment)) expect(known).toContain(name);
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([k, v]) => [k, String(v).replace(/\$\{SITEWARDEN_SECRET[^}]*\}/, 'x'.repeat(32))]),
    );
    expect(() => loadConfig(resolved)).not.toThrow();
  });

  it('runs Temporal, PostgreSQL, MinIO, the API and the worker', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['temporal', 'postgresql', 'minio', 'api', 'worker']));
  });
});
