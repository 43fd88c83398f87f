import type { Policy } from '../../generated/prisma/client.ts';
import { iso } from './time.ts';

/** Krafter's shape: no `created_at`. */
export function serializePolicy(p: Policy) {
  return {
    id: p.id,
    name: p.name,
    org_id: p.org_id,
    project_id: p.project_id,
    config: p.config,
    active: p.active,
    updated_at: iso(p.updated_at),
  };
}
