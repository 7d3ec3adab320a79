/**
 * Thin wrapper around Stripe.js and the Payment Element. Card data is typed into
 * Stripe's own iframe and goes straight to Stripe: this code never sees it.
 * Stripe.js is loaded lazily from js.stripe.com (never bundled) the first time a
 * checkout needs it; the publishable key comes from GET /api/config at run time.
 */
import type { Stripe, StripeElements, StripePaymentElement } from '@stripe/stripe-js';

export type PaymentOutcome =
  | { ok: true; status: string }
  | { ok: false; kind: 'card' | 'validation' | 'other'; message: string };

export interface PaymentForm {
  confirm(returnUrl: string, email: string): Promise<PaymentOutcome>;
  destroy(): void;
}

let stripePromise: Promise<Stripe | null> | null = null;
let stripeKey = '';

async function getStripe(publishableKey: string): Promise<Stripe> {
  if (!stripePromise || stripeKey !== publishableKey) {
    stripeKey = publishableKey;
    stripePromise = import('@stripe/stripe-js/pure').then(({ loadStripe }) => loadStripe(publishableKey));
    stripePromise.catch(() => {
      stripePromise = null;
    });
  }
  const stripe = await stripePromise;
  if (!stripe) throw new Error('Stripe.js is not available in this environment.');
  return stripe;
}

/** Load Stripe.js, mount the Payment Element into `container`, resolve when it is ready. */
export async function mountPaymentForm(
  container: HTMLElement,
  publishableKey: string,
  clientSecret: string,
  onReady?: () => void,
): Promise<PaymentForm> {
  const stripe = await getStripe(publishableKey);
  const elements: StripeElements = stripe.elements({
    clientSecret,
    appearance: {
      theme: 'stripe',
      variables: { colorPrimary: '#1d4ed8', colorDanger: '#b91c1c', fontSizeBase: '16px', borderRadius: '6px' },
    },
  });
  const element: StripePaymentElement = elements.create('payment', { layout: 'tabs' });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('The payment form took too long to load.')), 20000);
    element.on('ready', () => {
      clearTimeout(timer);
      onReady?.();
      resolve();
    });
    element.on('loaderror', (event) => {
      clearTimeout(timer);
      reject(new Error(event.error.message ?? 'The payment form could not be loaded.'));
    });
    element.mount(container);
  });

  return {
    async confirm(returnUrl: string, email: string): Promise<PaymentOutcome> {
      const result = await stripe.confirmPayment({
        elements,
        redirect: 'if_required',
        confirmParams: { return_url: returnUrl, receipt_email: email },
      });
      if (result.error) {
        const { type, message } = result.error;
        if (type === 'card_error') return { ok: false, kind: 'card', message: message ?? 'Your card was declined.' };
        if (type === 'validation_error')
          return { ok: false, kind: 'validation', message: message ?? 'Check your payment details.' };
        return {
          ok: false,
          kind: 'other',
          message: 'The payment could not be completed. You have not been charged. Please try again.',
        };
      }
      return { ok: true, status: result.paymentIntent?.status ?? 'succeeded' };
    },
    destroy() {
      try {
        element.destroy();
      } catch {
        /* already gone */
      }
    },
  };
}
