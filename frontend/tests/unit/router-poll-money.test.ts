import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../src/money';
import { phaseOf, pollDelay, retryDelay } from '../../src/poll';
import { orderHash, orderUrl, parseHash } from '../../src/router';

describe('router', () => {
  it('parses the routes', () => {
    expect(parseHash('')).toEqual({ name: 'catalog' });
    expect(parseHash('#/')).toEqual({ name: 'catalog' });
    expect(parseHash('#main')).toEqual({ name: 'catalog' });
    expect(parseHash('#/checkout')).toEqual({ name: 'checkout' });
    expect(parseHash('#/nope')).toEqual({ name: 'notFound' });
    expect(parseHash('#/order?id=o1')).toEqual({ name: 'notFound' });
  });

  it('round-trips order id and token through the fragment', () => {
    const hash = orderHash('ord_1&x', 'tok+/=');
    expect(parseHash(hash)).toEqual({ name: 'order', orderId: 'ord_1&x', token: 'tok+/=' });
    expect(orderUrl(new URL('https://shop.example/index.html?q=1'), 'o', 't')).toBe('https://shop.example/index.html#/order?id=o&token=t');
  });
});

describe('polling', () => {
  it('classifies states', () => {
    expect(phaseOf('FULFILLED')).toBe('done');
    expect(phaseOf('PAYMENT_FAILED')).toBe('failed');
    expect(phaseOf('FULFILLMENT_FAILED')).toBe('failed');
    expect(phaseOf('REFUNDED')).toBe('failed');
    expect(phaseOf('PAID')).toBe('waiting');
    expect(phaseOf('NEEDS_REVIEW')).toBe('waiting');
    expect(phaseOf('REFUNDING')).toBe('waiting'); // becomes REFUNDED within minutes
    expect(phaseOf('REFUND_FAILED')).toBe('failed');
    expect(phaseOf('CANCELED')).toBe('failed');
  });

  it('backs off', () => {
    expect(pollDelay(0)).toBe(1000);
    expect(pollDelay(15)).toBe(2000);
    expect(pollDelay(100)).toBe(5000);
    expect(retryDelay(1)).toBe(2000);
    expect(retryDelay(3)).toBe(8000);
    expect(retryDelay(20)).toBe(30000);
  });
});

describe('formatMoney', () => {
  it('uses the currency minor unit', () => {
    expect(formatMoney(4500, 'eur', 'en-IE')).toBe('€45.00');
    expect(formatMoney(4500, 'jpy', 'en-US')).toBe('¥4,500');
    expect(formatMoney(1, 'usd', 'en-US')).toBe('$0.01');
  });
});
