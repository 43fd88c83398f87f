import type { Db } from '../platform/db.ts';
import { isUniqueViolation } from './conflicts.ts';

/** A project's id is its slug: lowercase letters, digits and dashes, at most 64 (as `admin projects create`). */
export const PROJECT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface ProjectView {
  id: string;
  org_id: string;
  name: string;
  created_at: string;
}

const view = (p: { id: string; org_id: string; name: string; created_at: Date }): ProjectView => ({
  id: p.id,
  org_id: p.org_id,
  name: p.name,
  created_at: p.created_at.toISOString(),
});

/**
 * Projects are keyed by slug, not by time and uuid, so their cursor is the last slug of the page
 * (ordered by slug: a switcher lists them alphabetically). base64url keeps it opaque.
 */
export function encodeProjectCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodeProjectCursor(cursor: string): string | null {
  try {
    const raw: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const after = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).after : undefined;
    return typeof after === 'string' && PROJECT_SLUG.test(after) ? after : null;
  } catch {
    return null;
  }
}

export async function listProjects(prisma: Db, orgId: string, page: { after: string | null; limit: number }) {
  const where = { org_id: orgId };
  const [rows, total] = await Promise.all([
    prisma.project.findMany({
      where: page.after ? { ...where, id: { gt: page.after } } : where,
      orderBy: { id: 'asc' },
      take: page.limit + 1,
    }),
    prisma.project.count({ where }),
  ]);
  const items = rows.slice(0, page.limit);
  const nextCursor = rows.length > page.limit && items.length > 0 ? encodeProjectCursor(items.at(-1)!.id) : null;
  return { items: items.map(view), total, nextCursor };
}

export class ProjectExistsError extends Error {
  override name = 'ProjectExistsError';
}

/** Creates a project in the org; a slug the org already has is a ProjectExistsError. */
export async function createOrgProject(prisma: Db, orgId: string, input: { id: string; name?: string | undefined }): Promise<ProjectView> {
  try {
    const project = await prisma.project.create({ data: { org_id: orgId, id: input.id, name: input.name ?? input.id } });
    return view(project);
  } catch (err) {
    // The primary key (org_id, id) decides, so two concurrent creates cannot both win.
    if (isUniqueViolation(err, 'projects_pkey')) throw new ProjectExistsError(input.id);
    throw err;
  }
}
