import { z } from 'zod';
import {
  buildSiteAuthConfig,
  originAuthOf,
  originOf,
  siteAuthConfigSchema,
  siteAuthType,
  summarizeSiteAuth,
  type OriginAuth,
  type SiteAuthBody,
  type SiteAuthConfig,
  type SiteAuthSummary,
  type SiteCookie,
} from '../domain/site-auth.ts';
import type { HostAllowlist } from '../gather/ssrf/host-allowlist.ts';
import { checkTargetUrl } from '../gather/ssrf/url-guard.ts';
import type { Db } from '../platform/db.ts';
import { decryptSecret, encryptSecret } from '../platform/secrets.ts';

/**
 * A project's site-auth (docs/site-auth.md): stored encrypted, shown by names only, and read back
 * by the activities, by project id, inside the activity (never through a workflow's input).
 */

type Tenant = { orgId: string; projectId: string };

export class SiteAuthRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Authenticated with the value: a config copied to another project's row does not decrypt. */
const configPurpose = (tenant: Tenant) => `site_auth:${tenant.orgId}/${tenant.projectId}`;
/** The cookies a login left, for one scan run (or verification, or crawl: crawlSessionOwner). */
const sessionPurpose = (ownerId: string) => `site_session:${ownerId}`;

export interface SiteAuthView extends SiteAuthSummary {
  created_at: Date;
  updated_at: Date;
}

/**
 * The origin the credentials are bound to: the one given, else the login page's, else that of the
 * project's latest scan. Headers and cookies with none of these are refused: credentials bound to
 * whatever a scan asks for would go to any host a scan is pointed at.
 */
async function resolveOrigin(prisma: Db, tenant: Tenant, body: SiteAuthBody): Promise<string> {
  if (body.origin) return new URL(body.origin).origin;
  if (body.login) return new URL(body.login.url).origin;
  const latest = await prisma.scanRun.findFirst({
    where: { org_id: tenant.orgId, project_id: tenant.projectId },
    orderBy: [{ inserted_at: 'desc' }, { id: 'desc' }],
    select: { url: true },
  });
  const origin = latest ? originOf(latest.url) : null;
  if (!origin) throw new SiteAuthRefused('origin', "required: the project has no scan yet whose origin the credentials could be bound to");
  return origin;
}

export async function putSiteAuth(prisma: Db, tenant: Tenant, body: SiteAuthBody, secret: string, allowlist: HostAllowlist): Promise<SiteAuthView> {
  const origin = await resolveOrigin(prisma, tenant, body);
  // The origin passes the SSRF guard here (configure time), as every URL a scan fetches does again then.
  const check = checkTargetUrl(`${origin}/`, allowlist);
  if (!check.ok) throw new SiteAuthRefused(body.origin ? 'origin' : body.login ? 'login.url' : 'origin', check.reason);
  const built = buildSiteAuthConfig(body, origin);
  if (!built.ok) throw new SiteAuthRefused(built.field, built.message);
  const row = await prisma.siteAuth.upsert({
    where: { org_id_project_id: { org_id: tenant.orgId, project_id: tenant.projectId } },
    create: {
      org_id: tenant.orgId,
      project_id: tenant.projectId,
      type: siteAuthType(body),
      origin,
      config_encrypted: encryptSecret(JSON.stringify(built.config), secret, configPurpose(tenant)),
    },
    update: {
      type: siteAuthType(body),
      origin,
      config_encrypted: encryptSecret(JSON.stringify(built.config), secret, configPurpose(tenant)),
    },
  });
  return { ...summarizeSiteAuth(built.config), created_at: row.created_at, updated_at: row.updated_at };
}

/** The stored config, decrypted and validated again; null when the project has none. */
export async function loadSiteAuth(prisma: Db, tenant: Tenant, secret: string): Promise<SiteAuthConfig | null> {
  const row = await prisma.siteAuth.findUnique({ where: { org_id_project_id: { org_id: tenant.orgId, project_id: tenant.projectId } } });
  if (!row) return null;
  return siteAuthConfigSchema.parse(JSON.parse(decryptSecret(row.config_encrypted, secret, configPurpose(tenant))));
}

export async function getSiteAuth(prisma: Db, tenant: Tenant, secret: string): Promise<SiteAuthView | null> {
  const row = await prisma.siteAuth.findUnique({ where: { org_id_project_id: { org_id: tenant.orgId, project_id: tenant.projectId } } });
  if (!row) return null;
  const config = siteAuthConfigSchema.parse(JSON.parse(decryptSecret(row.config_encrypted, secret, configPurpose(tenant))));
  return { ...summarizeSiteAuth(config), created_at: row.created_at, updated_at: row.updated_at };
}

/** True when there was one. Runs already signed in keep their session until they close. */
export async function deleteSiteAuth(prisma: Db, tenant: Tenant): Promise<boolean> {
  const { count } = await prisma.siteAuth.deleteMany({ where: { org_id: tenant.orgId, project_id: tenant.projectId } });
  return count > 0;
}

/**
 * Whether a scan of `url` signs in first: the project has a login recipe and `url` is on its
 * origin. Reads the row's plain columns only (no decryption): the scan's plan carries the answer.
 */
export async function needsSiteLogin(prisma: Db, tenant: Tenant, url: string): Promise<boolean> {
  const row = await prisma.siteAuth.findUnique({
    where: { org_id_project_id: { org_id: tenant.orgId, project_id: tenant.projectId } },
    select: { type: true, origin: true },
  });
  return isLoginFor(row, url);
}

/** A project's site-auth (its type and origin) is a login recipe for `url`'s origin. */
export function isLoginFor(auth: { type: string; origin: string } | null, url: string): boolean {
  return auth?.type === 'login' && originOf(url) === auth.origin;
}

const sessionSchema = z.array(z.strictObject({ name: z.string(), value: z.string(), path: z.string() }));

/** The owner a crawl's session is sealed for: another space than scan runs' and verifications' ids. */
export function crawlSessionOwner(crawlId: string): string {
  return `crawl:${crawlId}`;
}

export function sealSession(cookies: SiteCookie[], ownerId: string, secret: string): string {
  return encryptSecret(JSON.stringify(cookies), secret, sessionPurpose(ownerId));
}

export function openSession(stored: string, ownerId: string, secret: string): SiteCookie[] {
  return sessionSchema.parse(JSON.parse(decryptSecret(stored, secret, sessionPurpose(ownerId))));
}

/** The credentials of the headers and cookies forms; a login's need the session (openSession). */
export function directOriginAuth(config: SiteAuthConfig | null): OriginAuth | undefined {
  return config && config.type !== 'login' ? originAuthOf(config) : undefined;
}
