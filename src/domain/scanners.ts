export const SCANNERS = ['performance', 'security', 'seo', 'accessibility'] as const;
export type ScannerName = (typeof SCANNERS)[number];

export type ScannerSlotStatus = 'pending' | 'running' | 'done' | 'failed';
// A type, not an interface: Prisma's Json input needs the implicit index signature.
export type ScannerSlot = {
  status: ScannerSlotStatus;
  error?: string;
};
export type ScannerStatus = Record<ScannerName, ScannerSlot>;
