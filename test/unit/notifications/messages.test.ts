import { headline } from '../../../src/notifications/messages.ts';
import { NOTIFICATION_EVENT_TYPES } from '../../../src/domain/notifications.ts';

const event = (type: string, data: Record<string, unknown>) => ({ id: 'e1', type, created_at: '2026-12-04T00:00:00.000Z', project_id: 'site', data });

it('says what a crawl did, in one line', () => {
  expect(headline(event('crawl.completed', { url: 'https://example.test/', pages_scanned: 212, pages_failed: 3, average_health_score: 81 }))).toBe(
    '[site] Crawl completed for https://example.test/: 212 pages scanned, 3 failed, average health score 81',
  );
  expect(headline(event('crawl.completed', { url: 'https://example.test/', pages_scanned: 0, pages_failed: 0, average_health_score: null }))).toContain('average health score n/a');
  expect(headline(event('crawl.failed', { url: 'https://example.test/', failure_reason: 'robots.txt could not be read' }))).toBe(
    '[site] Crawl failed for https://example.test/: robots.txt could not be read',
  );
});

it('has a line of its own for every event type (not the bare type name)', () => {
  for (const type of NOTIFICATION_EVENT_TYPES) expect(headline(event(type, {}))).not.toBe(`[site] ${type}`);
});
