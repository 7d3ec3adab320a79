import { CARD_DECLINED, CARD_OK, FULFIL_TIMEOUT, expect, fillCart, isMock, pay, reachPayment, shot, test } from './fixtures';

test.describe('purchase', () => {
  test('full purchase: catalog → cart → checkout → payment → tickets', async ({ page }) => {
    const orderPosts: string[] = [];
    const confirms: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/api/orders')) orderPosts.push(r.url());
      if (r.method() === 'POST' && r.url().endsWith('/__stub_stripe/confirm')) confirms.push(r.url());
    });

    const ticketName = await fillCart(page, 2);
    await shot(page, '01-catalog-with-cart');

    await page.getByRole('link', { name: 'Go to checkout' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Checkout' })).toBeVisible();
    await page.getByLabel('Email address').fill('ada@example.com');
    await page.getByLabel('Full name').fill('Ada Lovelace');
    // a double click must create exactly one order
    await page.getByRole('button', { name: 'Continue to payment' }).dblclick();
    await expect(page.getByRole('heading', { name: 'Payment' })).toBeVisible();
    await expect(page.getByLabel('Card number')).toBeVisible();
    const serverTotal = (await page.getByTestId('server-total').textContent())?.trim() ?? '';
    expect(serverTotal).not.toBe('');
    if (isMock()) expect(serverTotal).toContain('90.00');
    await shot(page, '02-checkout-payment');

    await page.getByLabel('Card number').fill(CARD_OK);
    await page.getByRole('button', { name: `Pay ${serverTotal}` }).dblclick();

    await expect(page).toHaveURL(/#\/order\?id=[^&]+&token=.+/);
    await expect(page.getByRole('heading', { level: 1, name: 'Your order' })).toBeVisible();
    await expect(page.getByTestId('order-status')).toContainText('Your tickets are ready', { timeout: FULFIL_TIMEOUT });
    const refs = page.getByTestId('tickets').locator('code');
    if (isMock()) await expect(refs).toHaveCount(2);
    else await expect(refs.first()).toBeVisible();
    await expect(page.getByRole('region', { name: 'Order summary' })).toContainText(`2 × ${ticketName}`);
    await shot(page, '03-order-fulfilled');

    expect(orderPosts).toHaveLength(1);
    expect(confirms).toHaveLength(1);

    // the cart was emptied after the successful payment
    await page.getByRole('link', { name: 'Tickets', exact: true }).click();
    await expect(page.getByRole('region', { name: 'Your cart' })).toContainText('Your cart is empty.');
  });

  test('declined card shows the reason, keeps the form usable, then another card succeeds', async ({ page }) => {
    await fillCart(page, 1);
    await reachPayment(page);
    await pay(page, CARD_DECLINED);
    const alert = page.getByTestId('payment-error');
    await expect(alert).toBeVisible();
    await expect(alert).toContainText(/declined/i);
    await expect(alert).toContainText('You have not been charged');
    await expect(page).toHaveURL(/#\/checkout$/);
    await shot(page, '04-card-declined');

    await pay(page, CARD_OK);
    await expect(page).toHaveURL(/#\/order\?/);
    await expect(page.getByTestId('order-status')).toContainText('Your tickets are ready', { timeout: FULFIL_TIMEOUT });
  });

  test('status page survives reloads and rejects a wrong token', async ({ page }) => {
    await fillCart(page, 1);
    await reachPayment(page);
    await pay(page, CARD_OK);
    await expect(page).toHaveURL(/#\/order\?/);
    const orderUrl = page.url();
    // reload while the order may still be in progress
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: 'Your order' })).toBeVisible();
    await expect(page.getByTestId('order-status')).toContainText('Your tickets are ready', { timeout: FULFIL_TIMEOUT });
    const refs = await page.getByTestId('tickets').locator('code').allTextContents();
    expect(refs.length).toBeGreaterThan(0);

    // reload after fulfilment: same tickets, straight from the URL fragment
    await page.reload();
    await expect(page.getByTestId('order-status')).toContainText('Your tickets are ready');
    await expect(page.getByTestId('tickets').locator('code')).toHaveText(refs);
    await shot(page, '05-order-after-reload');

    // a tampered token gets the same answer as an unknown order
    const wrong = new URL(orderUrl);
    wrong.hash = wrong.hash.replace(/token=[^&]+/, 'token=not-the-token');
    await page.goto(wrong.toString());
    await page.reload();
    await expect(page.getByRole('alert')).toContainText('We could not find this order');
  });
});
