import { expect, fillCart, shot, test } from './fixtures';

test.describe('errors', () => {
  test('client-side validation shows messages next to the fields and focuses the summary', async ({ page }) => {
    await fillCart(page, 1);
    await page.getByRole('link', { name: 'Go to checkout' }).click();
    let posted = 0;
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/orders')) posted += 1;
    });
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    const summary = page.getByTestId('error-summary');
    await expect(summary).toBeVisible();
    await expect(summary).toBeFocused();
    const email = page.getByLabel('Email address');
    await expect(email).toHaveAttribute('aria-invalid', 'true');
    await expect(email).toHaveAccessibleDescription(/Enter your email address/);
    await expect(page.getByLabel('Full name')).toHaveAccessibleDescription(/Enter the name/);

    await email.fill('not-an-email');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect(email).toHaveAccessibleDescription(/name@example.com/);
    await expect(page.getByLabel('Full name')).not.toHaveAttribute('aria-invalid', 'true');
    // the summary links move focus to the field
    await summary.getByRole('link').first().click();
    await expect(email).toBeFocused();
    expect(posted).toBe(0);
    await shot(page, '06-validation-client');
  });

  test('server validation details are shown next to the matching fields', async ({ page }) => {
    await fillCart(page, 1);
    await page.getByRole('link', { name: 'Go to checkout' }).click();
    // The server is authoritative: answer with the contract's error shape, whatever the backend.
    await page.route('**/api/orders', (route) =>
      route.fulfill({
        status: 422,
        contentType: 'application/json',
        body: JSON.stringify({
          error: {
            code: 'VALIDATION_ERROR',
            message: 'The order is not valid.',
            details: [
              { field: 'customer.email', message: 'This email domain does not accept mail.' },
              { field: 'customer.name', message: 'Name contains unsupported characters.' },
              { field: 'items[0].quantity', message: 'Only 1 left.' },
            ],
          },
        }),
      }),
    );
    await page.getByLabel('Email address').fill('ada@example.com');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect(page.getByLabel('Email address')).toHaveAccessibleDescription(/does not accept mail/);
    await expect(page.getByLabel('Full name')).toHaveAccessibleDescription(/unsupported characters/);
    await expect(page.getByTestId('error-summary')).toContainText('Only 1 left.');
    await expect(page.getByRole('heading', { name: 'Payment' })).toBeHidden();
    // the form stays usable: fixing it and retrying reaches the payment step
    await page.unroute('**/api/orders');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect(page.getByRole('heading', { name: 'Payment' })).toBeVisible();
    await expect(page.getByLabel('Email address')).not.toHaveAttribute('aria-invalid', 'true');
    await shot(page, '07-validation-server-recovered');
  });

  test('the real API rejects an invalid order with field details', async ({ request }) => {
    const response = await request.post('/api/orders', {
      data: { items: [], customer: { email: 'nope', name: '' } },
    });
    expect([400, 422]).toContain(response.status());
    const body = (await response.json()) as { error: { code: string; details?: Array<{ field: string }> } };
    expect(body.error.code).toBe('VALIDATION_ERROR');
    expect(Array.isArray(body.error.details)).toBe(true);
  });

  test('network loss: catalog offers a retry that recovers', async ({ page }) => {
    let failures = 1;
    await page.route('**/api/config', (route) => {
      if (failures > 0) {
        failures -= 1;
        return route.abort('internetdisconnected');
      }
      return route.fallback();
    });
    await page.goto('/');
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('We could not load the tickets.');
    await expect(alert).toContainText('Check your connection');
    await shot(page, '08-network-error');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await expect(page.locator('article.ticket').first()).toBeVisible();
  });

  test('a lost order response is retried with the same Idempotency-Key: one order, not two', async ({ page }) => {
    await fillCart(page, 1);
    await page.getByRole('link', { name: 'Go to checkout' }).click();
    const keys: string[] = [];
    let lostOrderId = '';
    // The server creates the order, but the answer never reaches the browser.
    await page.route(
      '**/api/orders',
      async (route) => {
        keys.push(route.request().headers()['idempotency-key'] ?? '');
        const response = await route.fetch();
        lostOrderId = ((await response.json()) as { orderId: string }).orderId;
        await route.abort('connectionreset');
      },
      { times: 1 },
    );
    await page.getByLabel('Email address').fill('ada@example.com');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await expect(page.getByTestId('error-summary')).toContainText('has not been placed yet');
    await expect(page.getByLabel('Email address')).toHaveValue('ada@example.com');

    const retried = page.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    const response = await retried;
    keys.push(response.request().headers()['idempotency-key'] ?? '');
    expect(response.status()).toBe(201);
    expect(((await response.json()) as { orderId: string }).orderId).toBe(lostOrderId);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    expect(keys[1]).toBe(keys[0]);
    await expect(page.getByRole('heading', { name: 'Payment' })).toBeVisible();
  });

  test('order status: temporary failures are retried, a server error is explained', async ({ page }) => {
    const orderId = 'ord_doesnotmatter';
    let calls = 0;
    await page.route(`**/api/orders/${orderId}`, (route) => {
      calls += 1;
      if (calls === 1) return route.abort('internetdisconnected');
      return route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          orderId,
          status: 'FULFILLMENT_FAILED',
          amount: 4500,
          currency: 'eur',
          items: [{ sku: 'GA-2027', name: 'General admission', quantity: 1, unitAmount: 4500 }],
          tickets: [],
          createdAt: '2027-01-01T00:00:00Z',
          updatedAt: '2027-01-01T00:00:10Z',
        }),
      });
    });
    await page.goto(`/#/order?id=${orderId}&token=t0k3n`);
    await expect(page.getByTestId('order-problem')).toContainText('We could not check your order status');
    await page.getByRole('button', { name: 'Retry now' }).click();
    await expect(page.getByTestId('order-status')).toContainText('We could not issue your tickets');
    await expect(page.getByTestId('order-problem')).toBeEmpty();
    await shot(page, '09-order-failed');
  });
});
