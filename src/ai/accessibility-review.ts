import type { AiReviewArtifacts } from '../checks/accessibility/ai-review.ts';
import type { LlmClient } from './llm-client.ts';
import { ACCESSIBILITY_REVIEW_SYSTEM_PROMPT, accessibilityReviewAnswer, buildAccessibilityReviewPrompt } from './prompts/accessibility-review.ts';

const MAX_TOKENS = 4_096;

/** One request: the page's HTML (first 40 KB) reviewed against WCAG 2.1 AA by the accessibility model. */
export async function reviewAccessibility(client: LlmClient, url: string, html: string): Promise<AiReviewArtifacts['review']> {
  const answer = await client.complete({
    task: 'accessibility',
    system: ACCESSIBILITY_REVIEW_SYSTEM_PROMPT,
    prompt: buildAccessibilityReviewPrompt(url, html),
    maxTokens: MAX_TOKENS,
    answer: { name: 'record_accessibility_issues', description: 'Record the WCAG 2.1 AA issues found in the HTML.', schema: accessibilityReviewAnswer },
  });
  return { provider: answer.provider, model: answer.model, issues: answer.data.issues };
}
