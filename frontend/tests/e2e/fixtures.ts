import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const STUB_PATH = fileURLToPath(new URL('./stripe-stub.js', import.meta.url));
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));
export const CARD_OK = '4242424242424242';
export const CARD_DECLINED = '4000000000000002';
export const isMock = () => process.env.TTH_E2E_MODE !== 'external';
/** How long an order may take to reach FULFILLED after payment. */
export const FULFIL_TIMEOUT = process.env.TTH_BASE_URL ? 120_000 : 20_000;

interface Fixtures {
  /** Console errors and CSP violations seen by the page; asserted empty after each test. */
  pageProblems: string[];
}

export const test = base.extend<Fixtures>({
  baseURL: async ({}, use) => {
    const url = process.env.TTH_E2E_BASE_URL;
    if (!url) throw new Error('TTH_E2E_BASE_URL not set: global setup did not run');
    await use(url);
  },
  context: async ({ context, baseURL }, use) => {
    const origin = new URL(baseURL as string).origin;
    // Offline by construction: the site's origin passes, Stripe.js is the stub, everything else is refused.
    await context.route('**/*', async (route) => {
      const url = new URL(route.request().url());
      if (url.origin === origin) return route.fallback();
      if (url.hostname === 'js.stripe.com') {
        return route.fulfill({ path: STUB_PATH, contentType: 'text/javascript; charset=utf-8' });
      }
      return route.abort('blockedbyclient');
    });
    await use(context);
  },
  pageProblems: [
    async ({ page }, use) => {
      const problems: string[] = [];
      page.on('console', (msg) => {
        const text = msg.text();
        if (/Content[- ]Security[- ]Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
        else if (msg.type() === 'error' && !/Failed to load resource|ERR_FAILED|net::|status of 4\d\d/i.test(text)) {
          problems.push(`console.error: ${text}`);
        }
      });
      page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
      await use(problems);
      expect(problems, 'no CSP violations or uncaught errors').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOT_DIR}${name}.png`, fullPage: true });
}

/** Catalog → cart with `quantity` of the first ticket → checkout page. Returns the ticket name. */
export async function fillCart(page: Page, quantity = 2): Promise<string> {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Tickets' })).toBeVisible();
  const firstTicket = page.locator('article.ticket').first();
  const name = (await firstTicket.getByRole('heading', { level: 2 }).textContent())?.trim() ?? '';
  const more = firstTicket.getByRole('button', { name: /^One more/ });
  for (let i = 0; i < quantity; i += 1) await more.click();
  await expect(firstTicket.getByRole('spinbutton')).toHaveValue(String(quantity));
  await expect(page.getByRole('region', { name: 'Your cart' })).toContainText(`${quantity} × ${name}`);
  return name;
}

export async function fillDetails(page: Page, email = 'ada@example.com', name = 'Ada Lovelace'): Promise<void> {
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Full name').fill(name);
}

export async function reachPayment(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Go to checkout' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Checkout' })).toBeVisible();
  await fillDetails(page);
  await page.getByRole('button', { name: 'Continue to payment' }).click();
  await expect(page.getByRole('heading', { name: 'Payment' })).toBeVisible();
  await expect(page.getByLabel('Card number')).toBeVisible();
}

export async function pay(page: Page, card: string): Promise<void> {
  await page.getByLabel('Card number').fill(card);
  await page.getByRole('button', { name: /^Pay / }).click();
}
