import { applySettingsPatch, parseProjectSettings, type ProjectSettings, type ProjectSettingsPatch } from '../domain/project-settings.ts';
import type { Db } from '../platform/db.ts';
import { isUniqueViolation } from './conflicts.ts';

/** A project's id is its slug: lowercase letters, digits and dashes, at most 64 (as `admin projects create`). */
export const PROJECT_SLUG = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export interface ProjectView {
  id: string;
  org_id: string;
  name: string;
  /** Every setting, defaults filled in. */
  settings: ProjectSettings;
  created_at: string;
}

const view = (p: { id: string; org_id: string; name: string; settings: unknown; created_at: Date }): ProjectView => ({
  id: p.id,
  org_id: p.org_id,
  name: p.name,
  settings: parseProjectSettings(p.settings),
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

/**
 * Changes a project's name and settings; a field left out keeps its value. Null when the org has
 * no such project. The settings are read and written in one statement's row lock (FOR UPDATE), so
 * two concurrent PATCHes of different fields both land.
 */
export async function updateOrgProject(
  prisma: Db,
  orgId: string,
  projectId: string,
  input: { name?: string | undefined; settings?: ProjectSettingsPatch | undefined },
): Promise<ProjectView | null> {
  return prisma.$transaction(async (tx) => {
    const [row] = await tx.$queryRaw<Array<{ settings: unknown }>>`
      SELECT settings FROM projects WHERE org_id = ${orgId}::uuid AND id = ${projectId} FOR UPDATE`;
    if (!row) return null;
    const settings = applySettingsPatch(parseProjectSettings(row.settings), input.settings ?? {});
    const project = await tx.project.update({
      where: { org_id_id: { org_id: orgId, id: projectId } },
      data: { settings: { ...settings }, ...(input.name !== undefined ? { name: input.name } : {}) },
    });
    return view(project);
  });
}

/** A project's settings for the scanners and verifications; the defaults when the project row is gone. */
export async function projectSettings(prisma: Db, orgId: string, projectId: string): Promise<ProjectSettings> {
  const project = await prisma.project.findUnique({ where: { org_id_id: { org_id: orgId, id: projectId } }, select: { settings: true } });
  return parseProjectSettings(project?.settings);
}
