import { expect, isMock, test } from './fixtures';
import { CSP } from './csp.mjs';

test.describe('content security policy', () => {
  test('the site is served with the CSP and the policy is enforced', async ({ page, pageProblems }) => {
    const response = await page.goto('/');
    const header = response?.headers()['content-security-policy'] ?? '';
    if (isMock()) expect(header).toBe(CSP);
    else expect(header).toContain("script-src 'self'");
    await expect(page.locator('article.ticket').first()).toBeVisible();

    // Prove enforcement: an injected inline script and an inline style attribute are refused.
    const result = await page.evaluate(
      () =>
        new Promise<{ directives: string[]; ran: boolean }>((resolve) => {
          const directives: string[] = [];
          document.addEventListener('securitypolicyviolation', (e) => directives.push(e.effectiveDirective));
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true';
          document.head.appendChild(script);
          const div = document.createElement('div');
          div.setAttribute('style', 'color: red');
          document.body.appendChild(div);
          setTimeout(() => resolve({ directives, ran: (window as unknown as { __inlineRan?: boolean }).__inlineRan === true }), 500);
        }),
    );
    expect(result.ran).toBe(false);
    expect(result.directives).toContain('script-src-elem');
    expect(result.directives).toContain('style-src-attr');
    // these two violations were provoked on purpose; nothing else may have been reported
    const expected = pageProblems.filter((p) => p.startsWith('CSP:'));
    expect(expected.length).toBeGreaterThan(0);
    pageProblems.splice(0, pageProblems.length, ...pageProblems.filter((p) => !p.startsWith('CSP:')));
  });
});
