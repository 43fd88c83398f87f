export const SCANNERS = ['performance', 'security', 'seo', 'accessibility'] as const;
export type ScannerName = (typeof SCANNERS)[number];
/** The scanners that need no browser: they judge the page as fetched (and a few probes beside it). */
export const HTTP_SCANNERS = ['security', 'seo'] as const satisfies readonly ScannerName[];
export type HttpScannerName = (typeof HTTP_SCANNERS)[number];
/**
 * Attempts of runHttpScanners (ScanWorkflow's retry policy for it: a page that could not be
 * fetched, a lost worker), and the runs of each scanner within one attempt (a transient failure).
 */
export const HTTP_SCANS_ATTEMPTS = 3;

export type ScannerSlotStatus = 'pending' | 'running' | 'done' | 'failed';
// A type, not an interface: Prisma's Json input needs the implicit index signature.
export type ScannerSlot = {
  status: ScannerSlotStatus;
  error?: string;
};
export type ScannerStatus = Record<ScannerName, ScannerSlot>;

/**
 * A light scan: HTTP scanners only and no login recipe (that signs in on the browser queue first).
 * Its whole work runs locally in the workflow's one task (patches scan-light-local, then
 * scan-light-one-activity); ScanWorkflow and openLightScan decide it with this same test.
 */
export function isLightScan(plan: { scanners: readonly ScannerName[]; siteLogin?: boolean }): boolean {
  return !plan.siteLogin && plan.scanners.every((name) => (HTTP_SCANNERS as readonly ScannerName[]).includes(name));
}
