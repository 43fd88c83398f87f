import type { AccessibilityArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { axeViolations } from './axe-violations.ts';

export const accessibilityChecks: readonly Check<AccessibilityArtifacts>[] = [axeViolations];
