import { z } from 'zod';

/** Krafter's fixed set, in its order: GET integrations answers one row each. */
export const PROVIDERS = ['ga4', 'gsc', 'sentry', 'github', 'gitlab', 'jira', 'linear', 'cloudflare'] as const;
export type Provider = (typeof PROVIDERS)[number];

/** The providers Sitewarden can push tasks to; the others answer connect and sync with "not supported yet". */
export const TRACKERS = ['github', 'gitlab', 'jira', 'linear'] as const;
export type Tracker = (typeof TRACKERS)[number];

export const isTracker = (provider: string): provider is Tracker => (TRACKERS as readonly string[]).includes(provider);

const secret = z.string().trim().min(1).max(512);
const name = (max: number, pattern: RegExp, what: string) => z.string().trim().min(1).max(max).regex(pattern, `must be ${what}`);

/**
 * The credentials each tracker takes (docs/integrations.md). Strict: an unknown field is refused,
 * so a typo does not pass as a connected integration that cannot sync.
 */
export const TRACKER_CREDENTIALS = {
  github: z.strictObject({
    token: secret,
    owner: name(100, /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/, 'a GitHub user or organisation name'),
    repo: name(100, /^[A-Za-z0-9._-]+$/, 'a repository name'),
  }),
  gitlab: z.strictObject({
    token: secret,
    // A numeric id, or the URL-encodable full path (group/subgroup/project).
    project_id: z.union([z.number().int().positive(), name(255, /^[A-Za-z0-9._\-/]+$/, 'a project id or full path')]).transform(String),
  }),
  jira: z.strictObject({
    email: z.email().max(254),
    api_token: secret,
    project_key: name(32, /^[A-Z][A-Z0-9_]+$/, 'a Jira project key (upper case, e.g. WEB)'),
    issue_type: z.string().trim().min(1).max(60).optional(),
  }),
  linear: z.strictObject({
    api_key: secret,
    team_id: name(64, /^[A-Za-z0-9-]+$/, 'a Linear team id'),
  }),
} as const;

export type TrackerCredentials = { [T in Tracker]: z.output<(typeof TRACKER_CREDENTIALS)[T]> };

/** The API base each tracker's SDK calls when the connection names none. */
export const DEFAULT_BASE_URL: Record<Tracker, string | null> = {
  github: 'https://api.github.com',
  gitlab: 'https://gitlab.com',
  // Every Jira Cloud site has its own host: base_url is required.
  jira: null,
  linear: 'https://api.linear.app/graphql',
};

/** The purpose the stored credentials are bound to (AES-GCM additional data): one integration row, one use. */
export const credentialsPurpose = (integrationId: string) => `integration:${integrationId}:credentials`;
