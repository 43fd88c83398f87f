import type { SeoArtifacts } from '../artifacts.ts';
import type { Check } from '../types.ts';
import { canonicalConflicting } from './canonical-conflicting.ts';
import { canonicalCrossHost } from './canonical-cross-host.ts';
import { canonicalMissing } from './canonical-missing.ts';
import { canonicalRelative } from './canonical-relative.ts';
import { h1Missing } from './h1-missing.ts';
import { h1Multiple } from './h1-multiple.ts';
import { headingLevelsSkipped } from './heading-levels-skipped.ts';
import { htmlLangMissing } from './html-lang-missing.ts';
import { imageAltMissing } from './image-alt-missing.ts';
import { metaDescriptionMissing } from './meta-description-missing.ts';
import { metaDescriptionTooLong } from './meta-description-too-long.ts';
import { metaDescriptionTooShort } from './meta-description-too-short.ts';
import { noindex } from './noindex.ts';
import { openGraphMissing } from './open-graph-missing.ts';
import { robotsTxtBlocksAll } from './robots-txt-blocks-all.ts';
import { robotsTxtMissing } from './robots-txt-missing.ts';
import { sitemapMissing } from './sitemap-missing.ts';
import { titleMissing } from './title-missing.ts';
import { titleTooLong } from './title-too-long.ts';
import { titleTooShort } from './title-too-short.ts';
import { viewportMissing } from './viewport-missing.ts';
import { viewportNotDeviceWidth } from './viewport-not-device-width.ts';

export const seoChecks: readonly Check<SeoArtifacts>[] = [
  noindex,
  robotsTxtBlocksAll,
  titleMissing,
  titleTooLong,
  titleTooShort,
  metaDescriptionMissing,
  metaDescriptionTooLong,
  metaDescriptionTooShort,
  h1Missing,
  h1Multiple,
  headingLevelsSkipped,
  canonicalMissing,
  canonicalRelative,
  canonicalConflicting,
  canonicalCrossHost,
  viewportMissing,
  viewportNotDeviceWidth,
  htmlLangMissing,
  imageAltMissing,
  openGraphMissing,
  robotsTxtMissing,
  sitemapMissing,
];
