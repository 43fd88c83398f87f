import { randomBytes } from 'node:crypto';
import { channelConfigSchemas } from '../domain/notifications.ts';
import type { NotificationChannel } from '../generated/prisma/enums.ts';
import { Prisma } from '../generated/prisma/client.ts';
import type { HostAllowlist } from '../gather/ssrf/host-allowlist.ts';
import { checkTargetUrl } from '../gather/ssrf/url-guard.ts';
import type { Db } from '../platform/db.ts';
import { decryptSecret, encryptSecret } from '../platform/secrets.ts';

type Tenant = { orgId: string; projectId: string };


export type ChannelConfig = { type: 'slack'; webhook_url: string } | { type: 'webhook'; url: string } | { type: 'email'; to: string[] };

export class ChannelRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

export const channelPurpose = (id: string) => `notification_channel:${id}`;
export const signingPurpose = (id: string) => `notification_channel_signing:${id}`;

/** The URL a channel posts to, or null for email. */
export function channelUrl(config: ChannelConfig): string | null {
  return config.type === 'slack' ? config.webhook_url : config.type === 'webhook' ? config.url : null;
}

/** Where it goes, for listings and receipts: scheme and host only (a Slack webhook's path is its secret). */
function redactedTarget(config: ChannelConfig): string {
  const url = channelUrl(config);
  if (url) {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/…`;
  }
  const to = (config as { to: string[] }).to;
  return `${to.length} recipient${to.length === 1 ? '' : 's'}`;
}

/**
 * Parses a type's config. A URL passes the SSRF guard here (configure time) and again at every
 * send (the dispatcher's fetcher re-checks it, and its DNS answers, then).
 */
export function parseChannelConfig(type: NotificationChannel, raw: unknown, allowlist: HostAllowlist): ChannelConfig {
  const parsed = channelConfigSchemas[type].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChannelRefused(['config', ...issue.path.map(String)].join('.'), issue.message);
  }
  const config = { type, ...parsed.data } as ChannelConfig;
  const url = channelUrl(config);
  if (url) {
    const field = type === 'slack' ? 'config.webhook_url' : 'config.url';
    const check = checkTargetUrl(url, allowlist);
    if (!check.ok) throw new ChannelRefused(field, check.reason);
  }
  return config;
}

export async function createChannel(
  prisma: Db,
  tenant: Tenant,
  input: { type: NotificationChannel; name: string; config: unknown },
  secret: string,
  allowlist: HostAllowlist,
) {
  const config = parseChannelConfig(input.type, input.config, allowlist);
  const id = crypto.randomUUID();
  // Shown once, in the 201: the receiver keeps it to verify Sitewarden-Signature.
  const signingSecret = input.type === 'webhook' ? `whsec_${randomBytes(32).toString('base64url')}` : null;
  try {
    const channel = await prisma.notificationChannelSetting.create({
      data: {
        id,
        org_id: tenant.orgId,
        project_id: tenant.projectId,
        type: input.type,
        name: input.name,
        config_encrypted: encryptSecret(JSON.stringify(config), secret, channelPurpose(id)),
        target: redactedTarget(config),
        signing_secret_encrypted: signingSecret ? encryptSecret(signingSecret, secret, signingPurpose(id)) : null,
      },
    });
    return { channel, signingSecret };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') throw new ChannelRefused('name', 'a channel of this project already has this name');
    throw err;
  }
}

export function listChannels(prisma: Db, tenant: Tenant) {
  return prisma.notificationChannelSetting.findMany({ where: { org_id: tenant.orgId, project_id: tenant.projectId }, orderBy: [{ created_at: 'asc' }, { id: 'asc' }] });
}

/** True when it existed. Its deliveries stay, as receipts; pending ones fail at their next attempt. */
export async function deleteChannel(prisma: Db, tenant: Tenant, id: string): Promise<boolean> {
  const { count } = await prisma.notificationChannelSetting.deleteMany({ where: { id, org_id: tenant.orgId, project_id: tenant.projectId } });
  return count > 0;
}

/** A stored channel's config and signing secret, decrypted, validated again (the row is input too). */
export function openChannel(row: { id: string; type: NotificationChannel; config_encrypted: string; signing_secret_encrypted: string | null }, secret: string) {
  const raw: unknown = JSON.parse(decryptSecret(row.config_encrypted, secret, channelPurpose(row.id)));
  const { type: _type, ...rest } = (raw ?? {}) as Record<string, unknown>;
  const parsed = channelConfigSchemas[row.type].parse(rest);
  const config = { type: row.type, ...parsed } as ChannelConfig;
  const signingSecret = row.signing_secret_encrypted ? decryptSecret(row.signing_secret_encrypted, secret, signingPurpose(row.id)) : null;
  return { config, signingSecret };
}
