import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { CARD_OK, FULFIL_TIMEOUT, expect, fillCart, pay, reachPayment, shot, test } from './fixtures';

async function expectNoSeriousViolations(page: Page, label: string): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const report = serious.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(report, `axe serious/critical violations on ${label}`).toEqual([]);
}

test.describe('accessibility', () => {
  test('axe: catalog, checkout with errors, payment and order pages', async ({ page }) => {
    await fillCart(page, 1);
    await expectNoSeriousViolations(page, 'catalog');

    await page.getByRole('link', { name: 'Go to checkout' }).click();
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect(page.getByTestId('error-summary')).toBeVisible();
    await expectNoSeriousViolations(page, 'checkout with validation errors');

    await page.goto('/#/');
    await reachPayment(page);
    await expectNoSeriousViolations(page, 'payment step');

    await pay(page, CARD_OK);
    await expect(page.getByTestId('order-status')).toContainText('Your tickets are ready', { timeout: FULFIL_TIMEOUT });
    await expectNoSeriousViolations(page, 'order page');
  });

  test('keyboard only: skip link, quantity, checkout', async ({ page }) => {
    await page.goto('/');
    await expect(page.locator('article.ticket').first()).toBeVisible();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to content' });
    await expect(skip).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.locator('main')).toBeFocused();
    await expect(page).toHaveURL(/\/(#\/?)?$/);
    // Tab into the first ticket's controls and add one with the keyboard
    const more = page.locator('article.ticket').first().getByRole('button', { name: /^One more/ });
    await more.focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Space');
    await expect(page.locator('article.ticket').first().getByRole('spinbutton')).toHaveValue('2');
    const checkout = page.getByRole('link', { name: 'Go to checkout' });
    await checkout.focus();
    await page.keyboard.press('Enter');
    // focus moves to the new page's heading
    await expect(page.getByRole('heading', { level: 1, name: 'Checkout' })).toBeFocused();
  });

  test('small screen layout', async ({ page }) => {
    await page.setViewportSize({ width: 375, height: 740 });
    await fillCart(page, 1);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(375);
    await shot(page, '10-mobile-catalog');
  });
});
