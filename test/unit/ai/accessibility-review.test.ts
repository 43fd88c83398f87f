import { buildAccessibilityReviewPrompt, htmlExcerpt, HTML_EXCERPT_BYTES } from '../../../src/ai/prompts/accessibility-review.ts';
import { AI_REVIEW_CONFIDENCE, aiAccessibilityReview, sameElement, type AiReviewIssue } from '../../../src/checks/accessibility/ai-review.ts';
import type { AxeViolation } from '../../../src/checks/artifacts.ts';
import { runCheck } from '../../../src/checks/types.ts';

const imageAlt: AxeViolation = {
  id: 'image-alt',
  impact: 'critical',
  help: 'Images must have alternative text',
  description: 'Ensures <img> elements have alternate text',
  helpUrl: 'https://dequeuniversity.com/rules/axe/4.14/image-alt',
  tags: ['cat.text-alternatives', 'wcag2a', 'wcag111'],
  nodes: [
    { target: ['img[src$="hero.png"]'], html: '<img src="/hero.png">', failureSummary: 'Element does not have an alt attribute' },
    { target: ['#team'], html: '<img id="team" src="/team.png" class="photo">', failureSummary: 'Element does not have an alt attribute' },
  ],
  nodeCount: 2,
};

function issue(overrides: Partial<AiReviewIssue>): AiReviewIssue {
  return { criterion: '1.1.1', element: '<img src="/hero.png">', axe_rule: null, problem: 'No text alternative.', fix: 'Add alt text.', severity: 'high', ...overrides };
}

const review = (...issues: AiReviewIssue[]) =>
  runCheck(aiAccessibilityReview, { url: 'https://example.com/', violations: [imageAlt], review: { provider: 'anthropic', model: 'claude-haiku-4-5-20251001', issues } });

test('drops an issue of a rule axe reported on the same element (by rule id or WCAG criterion)', () => {
  expect(review(issue({ axe_rule: 'image-alt' }))).toEqual([]);
  expect(review(issue({ axe_rule: null, element: "<img   SRC='/hero.png' >" }))).toEqual([]);
  expect(review(issue({ element: '<img class="portrait" id="team" src="/team.png">' }))).toEqual([]);
  expect(review(issue({ element: '#team' }))).toEqual([]);
});

test('keeps the same rule on another element, and another criterion on the same element', () => {
  const findings = review(
    issue({ element: '<img src="/logo.png" alt="image">', problem: 'The alt text "image" says nothing.' }),
    issue({ criterion: '2.4.4', element: '<img src="/hero.png">', problem: 'The linked image gives no link purpose.', severity: 'medium' }),
  );
  expect(findings.map((f) => [f.checkId, f.title, f.severity])).toEqual([
    ['accessibility.ai_review.wcag_1_1_1', 'WCAG 1.1.1 Non-text Content (AI review)', 'high'],
    ['accessibility.ai_review.wcag_2_4_4', 'WCAG 2.4.4 Link Purpose (In Context) (AI review)', 'medium'],
  ]);
});

test('one finding per criterion, marked source llm, less certain than axe', () => {
  const [finding, ...rest] = review(
    issue({ criterion: '1.3.1', element: '<h4>', problem: 'Heading levels skip from h2 to h4.', severity: 'low' }),
    issue({ criterion: '1.3.1', element: '<div class="nav">', problem: 'Navigation is not marked up as a list or nav.', severity: 'medium' }),
  );
  expect(rest).toEqual([]);
  expect(finding).toMatchObject({
    domain: 'accessibility',
    groupId: 'accessibility.ai_review',
    severity: 'medium',
    confidence: AI_REVIEW_CONFIDENCE,
    verificationKey: 'accessibility_ai_review',
    evidence: { source: 'llm', provider: 'anthropic', model: 'claude-haiku-4-5-20251001', criterion: '1.3.1', nodeCount: 2 },
  });
  expect(AI_REVIEW_CONFIDENCE).toBeLessThan(1);
  expect(finding?.description).toMatch(/^The AI review found 2 elements on https:\/\/example.com\/ failing WCAG 1.3.1 \(Info and Relationships\)/);
});

test.each([
  ['<img src="/hero.png"/>', true],
  ['<IMG src="/hero.png">', true],
  ['<img src="/other.png">', false],
  ['<a src="/hero.png">', false],
  ['img[src$="hero.png"]', true],
  ['img', false],
  ['', false],
])('sameElement(%p) → %p', (cited, same) => {
  expect(sameElement(cited, imageAlt.nodes[0]!)).toBe(same);
});

test('the HTML excerpt stops at 40 KB without splitting a character', () => {
  expect(htmlExcerpt('<p>short</p>')).toEqual({ excerpt: '<p>short</p>', truncated: false });
  const html = `<p>${'é'.repeat(HTML_EXCERPT_BYTES)}</p>`;
  const { excerpt, truncated } = htmlExcerpt(html);
  expect(truncated).toBe(true);
  expect(Buffer.byteLength(excerpt, 'utf8')).toBeLessThanOrEqual(HTML_EXCERPT_BYTES);
  expect(Buffer.byteLength(excerpt, 'utf8')).toBeGreaterThan(HTML_EXCERPT_BYTES - 2);
  expect(excerpt).not.toContain('\uFFFD');
  expect(buildAccessibilityReviewPrompt('https://example.com/', html)).toContain('cut after the first 40 KB');
});
