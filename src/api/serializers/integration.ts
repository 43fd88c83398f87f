import type { Integration } from '../../generated/prisma/client.ts';
import type { Provider } from '../../integrations/providers.ts';

/** Krafter's connected row: no `credentials` key at all (never even a redacted one). */
export function serializeConnectedIntegration(row: Integration) {
  return {
    id: row.id,
    org_id: row.org_id,
    project_id: row.project_id,
    provider: row.provider,
    status: row.status,
    last_sync_at: row.last_sync_at?.toISOString() ?? null,
    last_error: row.last_error,
    base_url: row.base_url,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** Krafter's never-connected placeholder, key for key (`inserted_at`, an empty `credentials`). */
export function serializePlaceholderIntegration(provider: Provider) {
  return { id: null, provider, status: 'disconnected' as const, credentials: {}, last_sync_at: null, inserted_at: null, updated_at: null };
}
