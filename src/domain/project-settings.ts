import { z } from 'zod';

/**
 * Lighthouse runs per look at a page (docs/scanning.md, "Stable lab figures"): like Lighthouse
 * CI's `numberOfRuns`, the page is measured N times and the median run is kept. Odd counts only:
 * with an even count the median of FCP and TTI falls between two runs, both equally far from it,
 * and Lighthouse's tie-break (the lower TTI) would keep the faster of the middle pair, a bias N-1
 * runs do not have for the price of one run more. Five is the ceiling: each run is a fresh
 * Chromium and up to LIGHTHOUSE_TIMEOUT_MS of a browser slot.
 */
export const LIGHTHOUSE_RUNS = [1, 3, 5] as const;
export type LighthouseRuns = (typeof LIGHTHOUSE_RUNS)[number];
export const DEFAULT_LIGHTHOUSE_RUNS: LighthouseRuns = 1;

const lighthouseRuns = z
  .number()
  .int()
  .refine((n): n is LighthouseRuns => (LIGHTHOUSE_RUNS as readonly number[]).includes(n), 'must be 1, 3 or 5 (an odd number of runs has a median run)');

/** A change to a project's settings: every field optional; a field left out keeps its value. */
export const projectSettingsPatchSchema = z.strictObject({
  lighthouse_runs: lighthouseRuns
    .meta({
      description:
        'Lighthouse runs per look at a page (scans and verifications): 1, 3 or 5. The median run (Lighthouse CI\'s rule: closest to the median FCP and TTI) is kept; findings come from it, and the scan summary shows each metric\'s min/median/max',
      example: 3,
    })
    .optional(),
});
export type ProjectSettingsPatch = z.output<typeof projectSettingsPatchSchema>;

export interface ProjectSettings {
  lighthouse_runs: LighthouseRuns;
}

export const DEFAULT_PROJECT_SETTINGS: ProjectSettings = { lighthouse_runs: DEFAULT_LIGHTHOUSE_RUNS };

/**
 * The `projects.settings` column, read at the persistence boundary: a field missing (rows older
 * than it) or not valid (written by hand) falls back to its default, each on its own.
 */
const storedSettingsSchema = z.object({
  lighthouse_runs: lighthouseRuns.catch(DEFAULT_LIGHTHOUSE_RUNS).default(DEFAULT_LIGHTHOUSE_RUNS),
});

export function parseProjectSettings(stored: unknown): ProjectSettings {
  const parsed = storedSettingsSchema.safeParse(stored ?? {});
  return parsed.success ? { lighthouse_runs: parsed.data.lighthouse_runs as LighthouseRuns } : { ...DEFAULT_PROJECT_SETTINGS };
}

export function applySettingsPatch(current: ProjectSettings, patch: ProjectSettingsPatch): ProjectSettings {
  return { ...current, ...(patch.lighthouse_runs !== undefined ? { lighthouse_runs: patch.lighthouse_runs as LighthouseRuns } : {}) };
}

/**
 * The most runs, up to `wanted`, for which `fits(runs)` holds (1 when none does). An activity
 * planned for fewer runs than the project now asks for (the setting changed after the plan was
 * made) runs what its timeout was made for, instead of timing out.
 */
export function runsThatFit(wanted: number, fits: (runs: LighthouseRuns) => boolean): LighthouseRuns {
  const candidates = [...LIGHTHOUSE_RUNS].reverse().filter((runs) => runs <= wanted);
  return candidates.find(fits) ?? 1;
}
