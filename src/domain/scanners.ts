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
