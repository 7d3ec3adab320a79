import { ApiError, NetworkError, newIdempotencyKey, type CreatedOrder, type SiteConfig } from '../api';
import { cartLines, estimatedTotal, toOrderItems } from '../cart';
import type { AppContext, Cleanup } from '../context';
import { h, loading, replaceChildren } from '../dom';
import { formatMoney } from '../money';
import { orderHash, orderUrl } from '../router';
import { mountPaymentForm, type PaymentForm } from '../stripe';
import { busy, errorPanel, textField, type Field } from '../ui';
import { mapServerDetails, normaliseCustomer, validateCustomer, validateItems, type FieldErrors } from '../validation';

export function renderCheckout(root: HTMLElement, ctx: AppContext): Cleanup {
  ctx.setTitle('Checkout');
  const body = h('div', {}, loading('Loading checkout…'));
  replaceChildren(root, h('h1', { tabindex: '-1' }, 'Checkout'), body);
  let cleanup: Cleanup = () => undefined;
  const load = () => {
    replaceChildren(body, loading('Loading checkout…'));
    ctx
      .loadConfig()
      .then((config) => {
        cleanup = showCheckout(body, ctx, config);
      })
      .catch((error: unknown) => replaceChildren(body, errorPanel('We could not load the checkout.', error, load)));
  };
  load();
  return () => cleanup();
}

function showCheckout(body: HTMLElement, ctx: AppContext, config: SiteConfig): Cleanup {
  const lines = cartLines(ctx.cart.value, config.catalog);
  if (lines.length === 0) {
    replaceChildren(
      body,
      h('p', { class: 'notice' }, 'Your cart is empty.'),
      h('p', {}, h('a', { href: '#/', class: 'button button--primary' }, 'Choose tickets')),
    );
    return () => undefined;
  }
  const money = (n: number) => formatMoney(n, config.currency);

  // --- order summary -------------------------------------------------------
  const summary = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'summary-heading' },
    h('h2', { id: 'summary-heading' }, 'Your order'),
    h(
      'ul',
      { class: 'cart-lines', role: 'list' },
      lines.map((l) =>
        h('li', { class: 'cart-line' }, h('span', {}, `${l.quantity} × ${l.item.name}`), h('span', { class: 'amount' }, money(l.lineAmount))),
      ),
    ),
    h('p', { class: 'cart-total' }, h('span', {}, 'Estimated total'), h('span', { class: 'amount' }, money(estimatedTotal(ctx.cart.value, config.catalog)))),
    h('p', {}, h('a', { href: '#/' }, 'Change tickets')),
  );

  // --- customer details ----------------------------------------------------
  const email = textField({
    name: 'email',
    label: 'Email address',
    type: 'email',
    autocomplete: 'email',
    hint: 'We send your tickets and receipt here.',
    maxLength: 254,
  });
  const name = textField({ name: 'name', label: 'Full name', type: 'text', autocomplete: 'name', maxLength: 100 });
  const fields: Record<string, Field> = { 'customer.email': email, 'customer.name': name };
  const errorSummary = h('div', { class: 'notice notice--error', tabindex: '-1', hidden: true, 'data-testid': 'error-summary' });
  const continueButton = h('button', { type: 'submit', class: 'button button--primary' }, 'Continue to payment');
  const fieldset = h('fieldset', { class: 'fieldset' }, h('legend', {}, 'Your details'), email.wrapper, name.wrapper);
  const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'details-heading' },
    h('h2', { id: 'details-heading' }, 'Your details'),
    errorSummary,
    fieldset,
    continueButton,
  );
  // the legend duplicates the heading for screen readers; keep it for grouping but hide it visually
  fieldset.querySelector('legend')?.classList.add('visually-hidden');

  // --- payment -------------------------------------------------------------
  const paymentSection = h('section', { class: 'panel', 'aria-labelledby': 'payment-heading', hidden: true });

  replaceChildren(body, h('div', { class: 'checkout' }, h('div', { class: 'checkout__main' }, form, paymentSection), summary));

  let inFlight = false;
  let order: CreatedOrder | undefined;
  // The same order body is always sent with the same Idempotency-Key, so retrying after a
  // lost response returns the order the server already created instead of a second one.
  let attempt: { body: string; key: string } | undefined;
  let paymentForm: PaymentForm | undefined;
  let disposed = false;

  function showErrors(errors: FieldErrors, general: string[] = [], focusSummary = true): void {
    for (const [key, field] of Object.entries(fields)) field.setError(errors[key]);
    const entries = Object.entries(errors);
    const items = [
      ...entries.map(([key, message]) => {
        const field = fields[key];
        return h('li', {}, field ? h('a', { href: `#${field.input.id}`, 'data-focus': field.input.id }, message) : message);
      }),
      ...general.map((m) => h('li', {}, m)),
    ];
    if (items.length === 0) {
      errorSummary.hidden = true;
      errorSummary.removeAttribute('role');
      replaceChildren(errorSummary);
      return;
    }
    replaceChildren(errorSummary, h('p', { class: 'notice__title' }, 'There is a problem'), h('ul', {}, items));
    errorSummary.setAttribute('role', 'alert');
    errorSummary.hidden = false;
    if (focusSummary) errorSummary.focus();
  }

  // links in the summary move focus to the field without touching the hash route
  errorSummary.addEventListener('click', (event) => {
    const target = (event.target as Element | null)?.closest('a[data-focus]');
    if (!target) return;
    event.preventDefault();
    document.getElementById(target.getAttribute('data-focus') ?? '')?.focus();
  });

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (inFlight || order) return;
    const customer = normaliseCustomer({ email: email.input.value, name: name.input.value });
    const items = toOrderItems(ctx.cart.value, config.catalog);
    const errors = { ...validateCustomer(customer), ...validateItems(items) };
    const general = errors.items ? [errors.items] : [];
    delete errors.items;
    if (Object.keys(errors).length > 0 || general.length > 0) {
      showErrors(errors, general);
      return;
    }
    showErrors({});
    inFlight = true;
    const restore = busy(continueButton, 'Creating your order…');
    const request = { items, customer };
    const body = JSON.stringify(request);
    if (attempt?.body !== body) attempt = { body, key: newIdempotencyKey() };
    ctx.api
      .createOrder(request, { idempotencyKey: attempt.key })
      .then((created) => {
        if (disposed) return;
        order = created;
        restore();
        lockDetails(true);
        startPayment(created, customer.email);
      })
      .catch((error: unknown) => {
        if (disposed) return;
        restore();
        if (error instanceof ApiError && error.code === 'VALIDATION_ERROR') {
          const mapped = mapServerDetails(error.details, Object.keys(fields).concat('items'));
          const gen = [...mapped.general];
          if (mapped.fieldErrors.items) gen.unshift(`${mapped.fieldErrors.items} Please change your tickets.`);
          delete mapped.fieldErrors.items;
          if (Object.keys(mapped.fieldErrors).length === 0 && gen.length === 0) gen.push(error.message);
          showErrors(mapped.fieldErrors, gen);
        } else if (error instanceof NetworkError) {
          showErrors({}, [`${error.message} Your order has not been placed yet.`]);
        } else if (error instanceof ApiError) {
          showErrors({}, [error.message]);
        } else {
          showErrors({}, ['Something went wrong. Please try again.']);
        }
      })
      .finally(() => {
        inFlight = false;
      });
  });

  function lockDetails(locked: boolean): void {
    for (const f of Object.values(fields)) f.input.readOnly = locked;
    continueButton.hidden = locked;
  }

  function startPayment(created: CreatedOrder, receiptEmail: string): void {
    const total = formatMoney(created.amount, created.currency);
    const mountPoint = h('div', { id: 'payment-element', class: 'payment-element' });
    const status = h('div', {}, loading('Loading the secure payment form…'));
    const paymentError = h('div', { class: 'notice notice--error', role: 'alert', hidden: true, 'data-testid': 'payment-error' });
    const payButton = h('button', { type: 'button', class: 'button button--primary button--block', 'aria-disabled': 'true' }, `Pay ${total}`);
    const editButton = h('button', { type: 'button', class: 'button button--link' }, 'Change your details');
    const estimate = estimatedTotal(ctx.cart.value, config.catalog);
    replaceChildren(
      paymentSection,
      h('h2', { id: 'payment-heading', tabindex: '-1' }, 'Payment'),
      h('p', { class: 'cart-total cart-total--final' }, h('span', {}, 'Total to pay'), h('span', { class: 'amount', 'data-testid': 'server-total' }, total)),
      created.amount !== estimate || created.currency.toLowerCase() !== config.currency.toLowerCase()
        ? h('p', { class: 'notice' }, 'Prices changed since you opened the shop: this total, calculated by our server, is the one you will be charged.')
        : h('p', { class: 'field__hint' }, 'Total calculated by our server. Card details go directly to our payment provider, Stripe.'),
      status,
      mountPoint,
      paymentError,
      payButton,
      h('p', {}, editButton),
    );
    paymentSection.hidden = false;
    (paymentSection.querySelector('h2') as HTMLElement).focus();
    let ready = false;

    const mount = () => {
      replaceChildren(status, loading('Loading the secure payment form…'));
      mountPaymentForm(mountPoint, config.publishableKey, created.clientSecret)
        .then((pf) => {
          if (disposed) {
            pf.destroy();
            return;
          }
          paymentForm = pf;
          ready = true;
          replaceChildren(status);
          payButton.removeAttribute('aria-disabled');
        })
        .catch((error: unknown) => {
          if (disposed) return;
          console.error('Payment form failed to load', error);
          replaceChildren(
            status,
            h(
              'div',
              { class: 'notice notice--error', role: 'alert' },
              h('p', { class: 'notice__title' }, 'The payment form could not be loaded.'),
              h('p', {}, 'Check your connection (and any content blocker) and try again. You have not been charged.'),
              h('button', { type: 'button', class: 'button button--secondary', onclick: mount }, 'Try again'),
            ),
          );
        });
    };
    mount();

    let paying = false;
    payButton.addEventListener('click', () => {
      if (!ready || paying || !paymentForm) return;
      paying = true;
      paymentError.hidden = true;
      const restore = busy(payButton, 'Processing payment…');
      editButton.disabled = true;
      const url = orderUrl(window.location, created.orderId, created.orderToken);
      paymentForm
        .confirm(url, receiptEmail)
        .then((outcome) => {
          if (disposed) return;
          if (outcome.ok) {
            ctx.cart.clear();
            ctx.navigate(orderHash(created.orderId, created.orderToken));
            return;
          }
          restore();
          editButton.disabled = false;
          replaceChildren(
            paymentError,
            h('p', { class: 'notice__title' }, outcome.kind === 'card' ? 'Your payment was not accepted' : 'Payment not completed'),
            h('p', {}, outcome.message),
            outcome.kind === 'card' ? h('p', {}, 'You have not been charged. Try another card or contact your bank.') : null,
          );
          paymentError.hidden = false;
        })
        .catch((error: unknown) => {
          if (disposed) return;
          console.error('confirmPayment failed', error);
          restore();
          editButton.disabled = false;
          replaceChildren(
            paymentError,
            h('p', { class: 'notice__title' }, 'We could not reach the payment provider'),
            h('p', {}, 'Check your connection and press Pay again. If you were charged, your tickets will still arrive by email.'),
          );
          paymentError.hidden = false;
        })
        .finally(() => {
          paying = false;
        });
    });

    editButton.addEventListener('click', () => {
      if (paying) return;
      paymentForm?.destroy();
      paymentForm = undefined;
      order = undefined;
      paymentSection.hidden = true;
      replaceChildren(paymentSection);
      lockDetails(false);
      email.input.focus();
    });
  }

  return () => {
    disposed = true;
    paymentForm?.destroy();
  };
}
