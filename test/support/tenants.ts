import { randomUUID } from 'node:crypto';
import { createKey, createOrg, createProject } from '../../src/admin/tenants.ts';
import type { Db } from '../../src/platform/db.ts';

export interface Tenant {
  orgId: string;
  projectId: string;
  writeKey: string;
  readKey: string;
  /** The base of every audit route of this tenant. */
  audit: string;
}

/** A fresh org with one project and a write and a read key, through the admin functions. */
export async function createTenant(prisma: Db, baseUrl: string): Promise<Tenant> {
  const org = await createOrg(prisma, `org-${randomUUID()}`);
  const project = await createProject(prisma, org.id, 'production-website');
  const write = await createKey(prisma, { orgId: org.id, scopes: ['audit:write'] });
  const read = await createKey(prisma, { orgId: org.id, scopes: ['audit:read'] });
  return {
    orgId: org.id,
    projectId: project.id,
    writeKey: write.key,
    readKey: read.key,
    audit: `${baseUrl}/api/v1/orgs/${org.id}/projects/${project.id}/audit`,
  };
}
