/**
 * Where the API-client commands (scan, findings, export) connect: flags first, then the
 * SITEWARDEN_* environment. Pure, so it is unit-tested without a process.
 */
export interface Connection {
  /** The instance's origin (plus any path prefix a proxy adds), without a trailing slash. */
  apiUrl: string;
  key: string;
  org: string;
  project: string;
}

export interface ConnectionFlags {
  api?: string;
  key?: string;
  org?: string;
  project?: string;
}

/** A bad invocation: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {}

const SOURCES = [
  ['api', '--api', 'SITEWARDEN_API_URL'],
  ['key', '--key', 'SITEWARDEN_API_KEY'],
  ['org', '--org', 'SITEWARDEN_ORG'],
  ['project', '--project', 'SITEWARDEN_PROJECT'],
] as const;

export function resolveConnection(flags: ConnectionFlags, env: Record<string, string | undefined>): Connection {
  const value = (flag: keyof ConnectionFlags, name: string) => {
    const v = (flags[flag] ?? env[name] ?? '').trim();
    return v === '' ? undefined : v;
  };
  const found = Object.fromEntries(SOURCES.map(([field, , name]) => [field, value(field, name)])) as Partial<Record<keyof ConnectionFlags, string>>;
  const missing = SOURCES.filter(([field]) => !found[field]).map(([, flag, name]) => `${flag} (or ${name})`);
  if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);

  let url: URL;
  try {
    url = new URL(found.api!);
  } catch {
    throw new UsageError(`--api must be an http(s) URL such as https://sitewarden.example.com, not "${found.api}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--api must be an http(s) URL, not ${url.protocol}`);
  if (url.username || url.password) throw new UsageError('--api must not carry credentials; give the key with --key or SITEWARDEN_API_KEY');
  // The origin the dev instance prints, or the API root: both are accepted.
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '');
  return { apiUrl: `${url.origin}${path}`, key: found.key!, org: found.org!, project: found.project! };
}

/** The base of every audit route of the connection. */
export function auditBase(c: Connection): string {
  return `${c.apiUrl}/api/v1/orgs/${encodeURIComponent(c.org)}/projects/${encodeURIComponent(c.project)}/audit`;
}
