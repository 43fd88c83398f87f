import { contentDigest, MAX_BODY, MAX_TITLE, ticketContent, type TicketSource } from '../../../src/integrations/ticket-content.ts';
import { checkTrackerBaseUrl } from '../../../src/integrations/guard.ts';
import { TRACKER_CREDENTIALS } from '../../../src/integrations/providers.ts';
import { toAdf, toTrackerError, excerpt } from '../../../src/integrations/trackers.ts';
import { parseHostAllowlist } from '../../../src/gather/ssrf/host-allowlist.ts';

const source = (over: Partial<TicketSource['finding']> = {}, title = 'Add a Content-Security-Policy'): TicketSource => ({
  task: { id: '11111111-1111-4111-8111-111111111111', title, priority: 'high', sla_due_at: new Date('2026-12-10T00:00:00Z') },
  finding: {
    id: '22222222-2222-4222-8222-222222222222',
    domain: 'security',
    check_id: 'security.csp_missing',
    severity: 'critical',
    description: 'The page sends no CSP header.',
    recommended_fix: { summary: 'Send one', steps: ['Pick a policy', 'Send the header'] },
    affected_assets: [{ type: 'url', value: 'https://example.test/' }],
    ...over,
  },
});

describe('ticketContent', () => {
  it('names the finding, the fix, the URLs and the task', () => {
    const { title, body } = ticketContent(source());
    expect(title).toBe('Add a Content-Security-Policy');
    expect(body).toContain('**Severity:** critical');
    expect(body).toContain('`security.csp_missing`');
    expect(body).toContain('1. Pick a policy\n2. Send the header');
    expect(body).toContain('- https://example.test/');
    expect(body).toContain('task 11111111-1111-4111-8111-111111111111');
  });

  it('bounds hostile finding text and ignores malformed JSON columns', () => {
    const { title, body } = ticketContent(
      source({ description: 'x'.repeat(100_000), recommended_fix: 'not an object', affected_assets: { nope: true }, check_id: 'c' }, `t${'y'.repeat(1_000)}\n\nz`),
    );
    expect(title.length).toBeLessThanOrEqual(MAX_TITLE);
    expect(title).not.toContain('\n');
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    expect(body).not.toContain('Recommended fix');
  });

  it('keeps the closing line (Linear finds a ticket by it) when everything else is at its bound', () => {
    const long = (n: number) => Array.from({ length: n }, (_, i) => `https://example.test/${i}/${'p'.repeat(600)}`);
    const { body } = ticketContent(
      source({
        description: 'd'.repeat(100_000),
        recommended_fix: { summary: 's'.repeat(10_000), steps: long(30) },
        affected_assets: long(30).map((value) => ({ type: 'url', value })),
      }),
    );
    expect(body.length).toBeLessThanOrEqual(MAX_BODY);
    expect(body.endsWith('_Pushed by Sitewarden · task 11111111-1111-4111-8111-111111111111 · finding 22222222-2222-4222-8222-222222222222_')).toBe(true);
  });

  it('gives the same digest for the same content and another for a change', () => {
    expect(contentDigest(ticketContent(source()))).toBe(contentDigest(ticketContent(source())));
    expect(contentDigest(ticketContent(source()))).not.toBe(contentDigest(ticketContent(source({}, 'Renamed'))));
  });
});

describe('toAdf', () => {
  it('makes a paragraph per block and a hard break per line', () => {
    expect(toAdf('a\nb\n\nc')).toEqual({
      type: 'doc',
      version: 1,
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'a' }, { type: 'hardBreak' }, { type: 'text', text: 'b' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'c' }] },
      ],
    });
  });
});

describe('toTrackerError', () => {
  it('classifies by status and redacts credentials from the provider’s text', () => {
    const err = (status: number, message = 'nope') => Object.assign(new Error(message), { status });
    expect(toTrackerError('github', err(401), 'x').kind).toBe('auth');
    expect(toTrackerError('github', err(403), 'x').kind).toBe('auth');
    expect(toTrackerError('gitlab', err(404), 'x').kind).toBe('not_found');
    expect(toTrackerError('jira', err(400), 'x').kind).toBe('rejected');
    expect(toTrackerError('jira', err(429), 'x').kind).toBe('unavailable');
    expect(toTrackerError('linear', err(502), 'x').permanent).toBe(false);
    expect(toTrackerError('linear', new Error('socket hang up'), 'x').kind).toBe('unavailable');
    const leaked = toTrackerError('github', err(400, 'echo: Bearer ghp_abcdefgh12345'), 'x', ['ghp_abcdefgh12345']);
    expect(leaked.message).not.toContain('ghp_abcdefgh12345');
    expect(leaked.message).toContain('[redacted]');
  });

  it('keeps provider text printable and short', () => {
    expect(excerpt(`a\u0000b\u001b[31m${'c'.repeat(500)}`)).toMatch(/^a b \[31mc+…$/);
    expect(excerpt('x'.repeat(500)).length).toBe(200);
  });
});

describe('credentials', () => {
  it('refuses unknown fields and malformed names', () => {
    expect(TRACKER_CREDENTIALS.github.safeParse({ token: 't', owner: 'acme', repo: 'web', extra: 1 }).success).toBe(false);
    expect(TRACKER_CREDENTIALS.github.safeParse({ token: 't', owner: '../x', repo: 'web' }).success).toBe(false);
    expect(TRACKER_CREDENTIALS.jira.safeParse({ email: 'a@b.co', api_token: 't', project_key: 'web' }).success).toBe(false);
    expect(TRACKER_CREDENTIALS.gitlab.parse({ token: 't', project_id: 42 })).toEqual({ token: 't', project_id: '42' });
  });
});

describe('checkTrackerBaseUrl', () => {
  const none = parseHostAllowlist('');
  const resolveTo = (addresses: string[]) => async () => addresses;

  it('accepts a public https base and drops a trailing slash', async () => {
    expect(await checkTrackerBaseUrl('https://ghe.example.com/api/v3/', none, resolveTo(['93.184.216.34']))).toEqual({ ok: true, url: 'https://ghe.example.com/api/v3' });
  });

  it.each([
    ['http://ghe.example.com', /https/],
    ['https://ghe.example.com/?x=1', /query/],
    ['https://user:pw@ghe.example.com', /credentials/],
    ['https://10.1.2.3', /private/],
    ['https://169.254.169.254', /metadata/],
  ])('refuses %s', async (url, reason) => {
    const check = await checkTrackerBaseUrl(url, none, resolveTo(['93.184.216.34']));
    expect(check.ok).toBe(false);
    expect(!check.ok && check.reason).toMatch(reason);
  });

  it('refuses a public name that resolves to a private address', async () => {
    const check = await checkTrackerBaseUrl('https://jira.example.com', none, resolveTo(['10.0.0.7']));
    expect(!check.ok && check.reason).toMatch(/private/);
  });

  it('lets an allowlisted host speak http (a tracker on the operator’s network, a test fake)', async () => {
    expect((await checkTrackerBaseUrl('http://127.0.0.1:8080', parseHostAllowlist('127.0.0.1'), resolveTo([]))).ok).toBe(true);
  });
});
