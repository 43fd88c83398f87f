import type { Integration } from '../generated/prisma/client.ts';
import { decryptSecret, encryptSecret } from '../platform/secrets.ts';
import { credentialsPurpose, DEFAULT_BASE_URL, isTracker, TRACKER_CREDENTIALS, type Tracker, type TrackerCredentials } from './providers.ts';

export interface TrackerConnection<T extends Tracker = Tracker> {
  provider: T;
  credentials: TrackerCredentials[T];
  /** The configured base, else the provider's public API. */
  baseUrl: string;
}

export class ConnectionUnusable extends Error {
  override name = 'ConnectionUnusable';
}

export function sealCredentials(integrationId: string, credentials: unknown, secret: string): string {
  return encryptSecret(JSON.stringify(credentials), secret, credentialsPurpose(integrationId));
}

/** The stored connection, decrypted and parsed (the persistence boundary): never a cast. */
export function openConnection(integration: Pick<Integration, 'id' | 'provider' | 'credentials_encrypted' | 'base_url'>, secret: string): TrackerConnection {
  const { provider } = integration;
  if (!isTracker(provider)) throw new ConnectionUnusable(`${provider} has no ticket sync`);
  if (!integration.credentials_encrypted) throw new ConnectionUnusable(`${provider} is not connected`);
  let raw: unknown;
  try {
    raw = JSON.parse(decryptSecret(integration.credentials_encrypted, secret, credentialsPurpose(integration.id)));
  } catch (err) {
    throw new ConnectionUnusable(`the stored credentials cannot be read (${(err as Error).message}): connect ${provider} again`);
  }
  const parsed = TRACKER_CREDENTIALS[provider].safeParse(raw);
  if (!parsed.success) throw new ConnectionUnusable(`the stored credentials are not ${provider}'s: connect it again`);
  const baseUrl = integration.base_url ?? DEFAULT_BASE_URL[provider];
  if (!baseUrl) throw new ConnectionUnusable(`${provider} needs a base_url: connect it again with one`);
  return { provider, credentials: parsed.data, baseUrl } as TrackerConnection;
}
