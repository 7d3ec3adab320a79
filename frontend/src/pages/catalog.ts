import type { CatalogItem, SiteConfig } from '../api';
import { cartLines, estimatedTotal, itemCount } from '../cart';
import type { AppContext, Cleanup } from '../context';
import { h, loading, replaceChildren } from '../dom';
import { formatMoney } from '../money';
import { errorPanel } from '../ui';

export function renderCatalog(root: HTMLElement, ctx: AppContext): Cleanup {
  ctx.setTitle('Tickets');
  const body = h('div', {}, loading('Loading tickets…'));
  replaceChildren(
    root,
    h('h1', { tabindex: '-1' }, 'Tickets'),
    h('p', { class: 'lead' }, 'Choose your tickets. You can buy up to the limit shown for each ticket in one order.'),
    body,
  );
  let unsubscribe: (() => void) | undefined;

  const load = () => {
    replaceChildren(body, loading('Loading tickets…'));
    ctx
      .loadConfig()
      .then((config) => {
        unsubscribe = show(body, ctx, config);
      })
      .catch((error: unknown) => {
        replaceChildren(body, errorPanel('We could not load the tickets.', error, load));
      });
  };
  load();
  return () => unsubscribe?.();
}

function show(body: HTMLElement, ctx: AppContext, config: SiteConfig): () => void {
  if (config.catalog.length === 0) {
    replaceChildren(body, h('p', { class: 'notice' }, 'No tickets are on sale right now. Please check back later.'));
    return () => undefined;
  }
  const inputs = new Map<string, HTMLInputElement>();
  const list = h(
    'ul',
    { class: 'catalog', role: 'list' },
    config.catalog.map((item) => h('li', {}, ticketCard(item, config.currency, ctx, inputs))),
  );
  const summary = h('section', { class: 'cart-panel', 'aria-labelledby': 'cart-heading' });
  const announcer = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
  replaceChildren(body, h('div', { class: 'shop' }, list, summary), announcer);

  let first = true;
  const update = () => {
    const cart = ctx.cart.value;
    for (const [sku, input] of inputs) {
      const q = String(cart[sku] ?? 0);
      if (input.value !== q && document.activeElement !== input) input.value = q;
    }
    renderSummary(summary, ctx, config);
    if (!first) {
      const count = itemCount(cart);
      announcer.textContent =
        count === 0
          ? 'Your cart is empty.'
          : `Cart: ${count} ticket${count === 1 ? '' : 's'}, estimated ${formatMoney(estimatedTotal(cart, config.catalog), config.currency)}.`;
    }
    first = false;
  };
  update();
  return ctx.cart.subscribe(update);
}

function ticketCard(item: CatalogItem, currency: string, ctx: AppContext, inputs: Map<string, HTMLInputElement>): HTMLElement {
  const id = `qty-${item.sku.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const headingId = `${id}-name`;
  const limitId = `${id}-limit`;
  const input = h('input', {
    id,
    type: 'number',
    inputmode: 'numeric',
    min: 0,
    max: item.maxPerOrder,
    step: 1,
    value: ctx.cart.value[item.sku] ?? 0,
    class: 'qty__input',
    'aria-describedby': limitId,
  });
  input.addEventListener('change', () => {
    const n = Number.parseInt(input.value, 10);
    ctx.cart.setQuantity(item, Number.isNaN(n) ? 0 : n);
    input.value = String(ctx.cart.value[item.sku] ?? 0);
  });
  inputs.set(item.sku, input);
  const step = (delta: number) => () => ctx.cart.setQuantity(item, (ctx.cart.value[item.sku] ?? 0) + delta);
  return h(
    'article',
    { class: 'ticket', 'aria-labelledby': headingId },
    h('h2', { id: headingId, class: 'ticket__name' }, item.name),
    item.description ? h('p', { class: 'ticket__description' }, item.description) : null,
    h('p', { class: 'ticket__price' }, formatMoney(item.unitAmount, currency), h('span', { class: 'ticket__each' }, ' each')),
    h(
      'div',
      { class: 'qty' },
      h('label', { for: id, class: 'qty__label' }, `Quantity`, h('span', { class: 'visually-hidden' }, ` of ${item.name}`)),
      h(
        'div',
        { class: 'qty__controls' },
        h('button', { type: 'button', class: 'qty__step', 'aria-label': `One fewer ${item.name}`, onclick: step(-1) }, '−'),
        input,
        h('button', { type: 'button', class: 'qty__step', 'aria-label': `One more ${item.name}`, onclick: step(1) }, '+'),
      ),
      h('p', { id: limitId, class: 'field__hint' }, `Up to ${item.maxPerOrder} per order`),
    ),
  );
}

function renderSummary(summary: HTMLElement, ctx: AppContext, config: SiteConfig): void {
  const lines = cartLines(ctx.cart.value, config.catalog);
  const heading = h('h2', { id: 'cart-heading' }, 'Your cart');
  if (lines.length === 0) {
    replaceChildren(summary, heading, h('p', { class: 'muted' }, 'Your cart is empty.'));
    return;
  }
  replaceChildren(
    summary,
    heading,
    h(
      'ul',
      { class: 'cart-lines', role: 'list' },
      lines.map((l) =>
        h(
          'li',
          { class: 'cart-line' },
          h('span', {}, `${l.quantity} × ${l.item.name}`),
          h('span', { class: 'amount' }, formatMoney(l.lineAmount, config.currency)),
        ),
      ),
    ),
    h(
      'p',
      { class: 'cart-total' },
      h('span', {}, 'Estimated total'),
      h('span', { class: 'amount', 'data-testid': 'estimated-total' }, formatMoney(estimatedTotal(ctx.cart.value, config.catalog), config.currency)),
    ),
    h('p', { class: 'field__hint' }, 'The final total is calculated by our server when you continue to payment.'),
    h('a', { href: '#/checkout', class: 'button button--primary button--block' }, 'Go to checkout'),
  );
}
