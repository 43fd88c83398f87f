import type { DetectedFinding } from '../../src/checks/types.ts';
import { judgeKey } from '../../src/domain/verification.ts';

const detection = (over: Partial<DetectedFinding>): DetectedFinding => ({
  checkId: 'security.csp_missing',
  groupId: 'security.csp_missing',
  domain: 'security',
  title: 'Content-Security-Policy missing',
  description: '',
  severity: 'high',
  confidence: 1,
  evidence: {},
  fix: { summary: '', steps: [] },
  verificationKey: 'security_header_csp',
  ...over,
});

describe('judgeKey', () => {
  it('passes when nothing under the key is detected any more', () => {
    expect(judgeKey('security_header_csp', 'security.csp_missing', [detection({ verificationKey: 'security_header_hsts' })]).passed).toBe(true);
    expect(judgeKey('security_header_csp', 'security.csp_missing', []).passed).toBe(true);
  });

  it('fails on any check of a header key, naming what is still there', () => {
    const result = judgeKey('security_header_csp', 'security.csp_missing', [
      detection({ checkId: 'security.csp_unsafe_inline', groupId: 'security.csp_unsafe_inline', title: 'CSP allows inline scripts' }),
    ]);
    expect(result).toEqual({ passed: false, detail: 'still detected: CSP allows inline scripts' });
  });

  it("judges per-item keys by the finding's own item only", () => {
    const axe = (rule: string) =>
      detection({ checkId: `accessibility.axe.${rule}`, groupId: 'accessibility.axe', verificationKey: 'accessibility_axe', title: rule });
    expect(judgeKey('accessibility_axe', 'accessibility.axe.image-alt', [axe('label')]).passed).toBe(true);
    expect(judgeKey('accessibility_axe', 'accessibility.axe.image-alt', [axe('image-alt'), axe('label')]).passed).toBe(false);
  });
});
