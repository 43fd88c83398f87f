import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Report } from '../generated/prisma/client.ts';
import { deriveKey } from '../platform/crypto.ts';
import type { ObjectStorage } from '../platform/storage/index.ts';
import { artifactName, FORMATS } from './model.ts';

/**
 * Signed, expiring links that need no API key: `<payload>.<mac>`, both base64url, the payload
 * `{"p": purpose, "s": subject, "e": expiry (Unix seconds)}` and the mac its HMAC-SHA256 under a
 * key derived from the instance secret. The purpose is inside the MAC, so an export link never
 * opens a share page. A tampered, foreign or expired token reads as nothing.
 */
export type LinkPurpose = 'export' | 'share';

export function signLink(secret: string, purpose: LinkPurpose, subject: string, expiresAt: Date): string {
  const payload = Buffer.from(JSON.stringify({ p: purpose, s: subject, e: Math.floor(expiresAt.getTime() / 1000) })).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The subject of a valid, unexpired token for `purpose`; null otherwise. */
export function readLink(secret: string, purpose: LinkPurpose, token: string, now = new Date()): string | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  // Decoding is lenient (unused trailing bits, stray characters): only the canonical spelling counts.
  if (given.length !== expected.length || given.toString('base64url') !== signature || !timingSafeEqual(given, expected)) return null;
  try {
    const { p, s, e } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (p !== purpose || typeof s !== 'string' || typeof e !== 'number') return null;
    return e * 1000 > now.getTime() ? s : null;
  } catch {
    return null;
  }
}

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', deriveKey(secret, 'signed-links')).update(payload).digest();
}

export const EXPORT_LINK_PATH = '/api/v1/exports';
export const SHARE_LINK_PATH = '/api/v1/shared/reports';

type LinkableReport = Pick<Report, 'id' | 'org_id' | 'project_id' | 'format' | 'status' | 'storage_key'>;

export interface ReportLinkOptions {
  secret: string;
  storage: ObjectStorage;
  /** PUBLIC_BASE_URL; unset, the origin of the request the link is made for. */
  publicBaseUrl: string | undefined;
  exportTtlSeconds: number;
  shareTtlSeconds: number;
}

/**
 * The links a report hands out. Downloads are presigned by S3 when the storage can, otherwise
 * served by the API (`/api/v1/exports/<token>`); share pages are always the API's.
 */
export function createReportLinks(options: ReportLinkOptions) {
  const base = (origin: string | null) => {
    const chosen = options.publicBaseUrl ?? origin;
    // Callers pass null for links sent in messages; config and the share route make sure it is set.
    if (!chosen) throw new Error('PUBLIC_BASE_URL is not set: a link for a message has no origin');
    return chosen.replace(/\/+$/, '');
  };
  const expiry = (seconds: number) => new Date(Date.now() + seconds * 1000);

  return {
    /** A fresh download URL of an exported report's artifact; null before it is exported. */
    async exportUrl(report: LinkableReport, origin: string): Promise<string | null> {
      if ((report.status !== 'exported' && report.status !== 'shared') || !report.storage_key) return null;
      const presigned = await options.storage.presignedUrl(report.storage_key, {
        expiresInSeconds: options.exportTtlSeconds,
        filename: artifactName(report),
        contentType: FORMATS[report.format].contentType,
      });
      return presigned ?? `${base(origin)}${EXPORT_LINK_PATH}/${signLink(options.secret, 'export', report.id, expiry(options.exportTtlSeconds))}`;
    },

    /** `origin`: the request's, for a link handed back in the answer; null for one sent in a message. */
    shareUrl(report: LinkableReport, origin: string | null): { url: string; expiresAt: Date } {
      const expiresAt = expiry(options.shareTtlSeconds);
      return { url: `${base(origin)}${SHARE_LINK_PATH}/${signLink(options.secret, 'share', report.id, expiresAt)}`, expiresAt };
    },

    exportedReportId: (token: string) => readLink(options.secret, 'export', token),
    sharedReportId: (token: string) => readLink(options.secret, 'share', token),
  };
}

export type ReportLinks = ReturnType<typeof createReportLinks>;
