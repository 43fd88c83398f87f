import type { PerformanceArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { cls } from './cls.ts';
import { fcp } from './fcp.ts';
import { lcp } from './lcp.ts';
import { lighthouseOpportunities } from './opportunities.ts';
import { speedIndex } from './speed-index.ts';
import { tbt } from './tbt.ts';
import { ttfb } from './ttfb.ts';

/** Core Web Vitals first, then the other metrics, then the audits that explain them. */
export const performanceChecks: readonly Check<PerformanceArtifacts>[] = [lcp, cls, fcp, ttfb, tbt, speedIndex, lighthouseOpportunities];
