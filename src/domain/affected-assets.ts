import { z } from 'zod';

/**
 * The pages a finding was seen on (`findings.affected_assets`, [{type: "url", value}]). One
 * finding per (project, domain, title) whatever page shows it, so a crawl's hundreds of pages
 * with one issue make one finding; its list is bounded (docs/crawls.md): the most recent
 * MAX_AFFECTED_ASSETS pages, oldest dropped first, so verifications, tickets and reports stay
 * bounded too.
 */
export const MAX_AFFECTED_ASSETS = 50;

const assetList = z.array(z.looseObject({ type: z.string(), value: z.string() })).catch([]);
export type AffectedAsset = z.infer<typeof assetList>[number];

/** The list with `url` added (last), or null when it is there already (nothing to write). */
export function withAffectedUrl(stored: unknown, url: string, max = MAX_AFFECTED_ASSETS): AffectedAsset[] | null {
  const assets = assetList.parse(stored);
  if (assets.some((a) => a.value === url)) return null;
  return [...assets, { type: 'url', value: url }].slice(-max);
}
