import { describe, expect, it } from 'vitest';
import { hostKey, normalizeHost } from '../../shared/providers/hosts';

describe('enterprise host validation', () => {
  it('normalises bare hosts and https origins', () => {
    expect(normalizeHost('gitlab.acme.com')).toBe('https://gitlab.acme.com');
    expect(normalizeHost('https://GitLab.Acme.com/')).toBe('https://gitlab.acme.com');
    expect(normalizeHost('http://127.0.0.1:4000')).toBe('http://127.0.0.1:4000');
  });

  it('refuses credentials, paths, queries, fragments, plain http and other schemes', () => {
    for (const bad of ['https://a.com@evil.com', 'https://user:pw@a.com', 'https://a.com/x', 'https://a.com/..', 'https://a.com?x=1', 'https://a.com#x', 'http://a.com', 'javascript:alert(1)', 'file:///etc/passwd', 'https://a.com\r\nSet-Cookie: x=1', '', 'x'.repeat(300)]) {
      expect(() => normalizeHost(bad), JSON.stringify(bad)).toThrow(expect.objectContaining({ code: 'PRVD-1003' }));
    }
  });

  it('keys hosts for the me-object without dots', () => {
    expect(hostKey('https://gitlab.acme.com')).toBe('gitlab*acme*com');
  });
});
