import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { hashApiKey } from '../domain/api-keys.ts';
import type { Db } from '../platform/db.ts';
import { createKey, createOrg, createProject } from './tenants.ts';

export interface DevTenant {
  org_id: string;
  project_id: string;
  key: string;
}

/**
 * The embedded default's tenant: made on first start, then reused. The key's plaintext is kept
 * only in the git-ignored state file (mode 600) so each start can print it again.
 */
export async function ensureDevTenant(prisma: Db, statePath: string): Promise<DevTenant> {
  const saved = await readState(statePath);
  if (saved && (await stillValid(prisma, saved))) return saved;

  const org = await createOrg(prisma, 'Dev org');
  const project = await createProject(prisma, org.id, 'website', 'Local website');
  const { key } = await createKey(prisma, { orgId: org.id, scopes: ['audit:write'], name: 'dev' });
  const tenant = { org_id: org.id, project_id: project.id, key };
  await mkdir(dirname(statePath), { recursive: true });
  await writeFile(statePath, JSON.stringify(tenant, null, 2), { mode: 0o600 });
  await chmod(statePath, 0o600);
  return tenant;
}

async function readState(path: string): Promise<DevTenant | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as DevTenant;
  } catch {
    return null;
  }
}

async function stillValid(prisma: Db, tenant: DevTenant): Promise<boolean> {
  const key = await prisma.apiKey.findUnique({ where: { key_hash: hashApiKey(tenant.key) } });
  if (!key || key.revoked_at || key.org_id !== tenant.org_id) return false;
  const project = await prisma.project.findUnique({ where: { org_id_id: { org_id: tenant.org_id, id: tenant.project_id } } });
  return project !== null;
}
