import { ApiError, type Order } from '../api';
import type { AppContext, Cleanup } from '../context';
import { h, loading, replaceChildren } from '../dom';
import { formatMoney } from '../money';
import { POLL_BUDGET_MS, phaseOf, pollDelay, retryDelay } from '../poll';
import { describeError } from '../ui';

interface StatusText {
  title: string;
  text: string;
}

function statusText(status: string): StatusText {
  switch (status) {
    case 'PENDING_PAYMENT':
      return { title: 'Confirming your payment…', text: 'We are waiting for the payment provider to confirm your payment. This usually takes a few seconds.' };
    case 'PAID':
    case 'FULFILLING':
      return { title: 'Payment received. Issuing your tickets…', text: 'Your payment is confirmed. Your tickets are being issued now.' };
    case 'FULFILLED':
      return { title: 'Your tickets are ready', text: 'Thank you! Your tickets are below and have been sent to your email address.' };
    case 'PAYMENT_FAILED':
      return { title: 'Payment failed', text: 'Your payment did not go through and you have not been charged. You can place a new order.' };
    case 'FULFILLMENT_FAILED':
      return {
        title: 'We could not issue your tickets',
        text: 'Your payment was received, but issuing the tickets failed. Our team has been alerted and will contact you; if we cannot resolve it you will be refunded in full.',
      };
    case 'REFUNDING':
      return {
        title: 'We could not issue your tickets: refunding you',
        text: 'Your payment was received, but the tickets could not be issued. We are refunding the full amount to your card now; you do not need to do anything.',
      };
    case 'REFUNDED':
      return { title: 'This order was refunded', text: 'The payment for this order has been refunded to your card. Refunds usually reach your account within 5 to 10 business days.' };
    case 'REFUND_FAILED':
      return {
        title: 'Your refund needs our attention',
        text: 'We tried to refund this order, but your card issuer did not accept the refund. Our team has been alerted and will contact you to pay you back.',
      };
    case 'NEEDS_REVIEW':
      return {
        title: 'We are checking your payment',
        text: 'Your payment did not match the order. Our team has been alerted and will fix it or refund you in full.',
      };
    case 'CANCELED':
      return { title: 'This order was cancelled', text: 'The order was not paid and has been cancelled. You have not been charged.' };
    default:
      return { title: 'Your order is being processed', text: 'Your order needs a little more time. This page keeps checking.' };
  }
}

const STEPS: Array<{ label: string; reached: (s: string) => boolean }> = [
  { label: 'Order placed', reached: () => true },
  { label: 'Payment confirmed', reached: (s) => ['PAID', 'FULFILLING', 'FULFILLED', 'FULFILLMENT_FAILED'].includes(s) },
  { label: 'Tickets issued', reached: (s) => s === 'FULFILLED' },
];

export function renderOrder(root: HTMLElement, ctx: AppContext, orderId: string, token: string): Cleanup {
  ctx.setTitle('Your order');
  const statusRegion = h('div', { class: 'order-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'order-status' }, loading('Loading your order…'));
  const problem = h('div', { 'data-testid': 'order-problem' });
  const details = h('div', {});
  replaceChildren(
    root,
    h('h1', { tabindex: '-1' }, 'Your order'),
    h('p', { class: 'muted' }, 'Order reference: ', h('code', { 'data-testid': 'order-id' }, orderId)),
    statusRegion,
    problem,
    details,
    h('p', { class: 'field__hint' }, 'Keep this page’s address (bookmark it) to check your order again later. Anyone with the address can see the order.'),
  );

  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let attempt = 0;
  let failures = 0;
  let lastKey = '';
  const started = Date.now();

  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(poll, ms);
  };

  const checkAgain = () => {
    replaceChildren(problem);
    attempt = 0;
    failures = 0;
    clearTimeout(timer);
    void poll(true);
  };

  async function poll(manual = false): Promise<void> {
    if (stopped) return;
    let order: Order;
    try {
      order = await ctx.api.getOrder(orderId, token);
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 404) {
        replaceChildren(statusRegion);
        replaceChildren(
          problem,
          h(
            'div',
            { class: 'notice notice--error', role: 'alert' },
            h('p', { class: 'notice__title' }, 'We could not find this order'),
            h('p', {}, 'Check that you opened the complete link from your confirmation. The link contains a private code that is needed to view the order.'),
            h('p', {}, h('a', { href: '#/' }, 'Back to the tickets')),
          ),
        );
        return;
      }
      failures += 1;
      const wait = retryDelay(failures);
      replaceChildren(
        problem,
        h(
          'div',
          { class: 'notice notice--error', role: 'alert' },
          h('p', { class: 'notice__title' }, 'We could not check your order status'),
          h('p', {}, `${describeError(error)} We will try again in ${Math.round(wait / 1000)} seconds.`),
          h('button', { type: 'button', class: 'button button--secondary', onclick: checkAgain }, 'Retry now'),
        ),
      );
      schedule(wait);
      return;
    }
    if (stopped) return;
    failures = 0;
    replaceChildren(problem);
    const key = `${order.status}|${order.updatedAt}|${order.tickets.length}`;
    if (key !== lastKey || manual) {
      lastKey = key;
      renderStatus(order);
      renderDetails(order);
    }
    if (phaseOf(order.status) !== 'waiting') return;
    if (Date.now() - started > POLL_BUDGET_MS) {
      replaceChildren(
        problem,
        h(
          'div',
          { class: 'notice' },
          h('p', {}, 'This is taking longer than usual. Your order is safe; you can check again now or come back to this page later.'),
          h('button', { type: 'button', class: 'button button--secondary', onclick: checkAgain }, 'Check again'),
        ),
      );
      return;
    }
    schedule(pollDelay(attempt++));
  }

  function renderStatus(order: Order): void {
    const phase = phaseOf(order.status);
    const t = statusText(order.status);
    replaceChildren(
      statusRegion,
      h(
        'div',
        { class: `status-card status-card--${phase}`, 'data-status': order.status },
        phase === 'waiting' ? h('span', { class: 'spinner', 'aria-hidden': 'true' }) : null,
        h('div', {}, h('p', { class: 'status-card__title' }, t.title), h('p', {}, t.text)),
      ),
    );
    if (phase === 'failed') statusRegion.setAttribute('role', 'alert');
  }

  function renderDetails(order: Order): void {
    const money = (n: number) => formatMoney(n, order.currency);
    const failed = phaseOf(order.status) === 'failed';
    replaceChildren(
      details,
      failed
        ? h('p', {}, h('a', { href: '#/', class: 'button button--primary' }, 'Back to the tickets'))
        : h(
            'ol',
            { class: 'steps', 'aria-label': 'Progress' },
            STEPS.map((s) => {
              const done = s.reached(order.status);
              return h('li', { class: done ? 'steps__item steps__item--done' : 'steps__item' }, s.label, h('span', { class: 'visually-hidden' }, done ? ' (done)' : ' (pending)'));
            }),
          ),
      order.tickets.length > 0
        ? h(
            'section',
            { class: 'panel tickets', 'aria-labelledby': 'tickets-heading' },
            h('h2', { id: 'tickets-heading' }, 'Your tickets'),
            h(
              'ul',
              { class: 'ticket-refs', role: 'list', 'data-testid': 'tickets' },
              order.tickets.map((t) => {
                const item = order.items.find((i) => i.sku === t.sku);
                return h('li', {}, h('code', { class: 'ticket-ref' }, t.reference), item ? h('span', { class: 'muted' }, ` ${item.name}`) : null);
              }),
            ),
          )
        : null,
      h(
        'section',
        { class: 'panel', 'aria-labelledby': 'items-heading' },
        h('h2', { id: 'items-heading' }, 'Order summary'),
        h(
          'ul',
          { class: 'cart-lines', role: 'list' },
          order.items.map((i) => h('li', { class: 'cart-line' }, h('span', {}, `${i.quantity} × ${i.name}`), h('span', { class: 'amount' }, money(i.quantity * i.unitAmount)))),
        ),
        h('p', { class: 'cart-total' }, h('span', {}, 'Total'), h('span', { class: 'amount' }, money(order.amount))),
      ),
    );
  }

  void poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
