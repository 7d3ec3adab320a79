import { describe, expect, it } from 'vitest';
import { mapServerDetails, normaliseCustomer, normaliseField, validateCustomer, validateItems } from '../../src/validation';

describe('validateCustomer', () => {
  it('accepts a normal customer', () => {
    expect(validateCustomer({ email: ' ada@example.com ', name: ' Ada  Lovelace ' })).toEqual({});
    expect(normaliseCustomer({ email: ' ada@example.com ', name: ' Ada  Lovelace ' })).toEqual({ email: 'ada@example.com', name: 'Ada Lovelace' });
  });

  it('requires both fields', () => {
    const errors = validateCustomer({ email: '', name: '  ' });
    expect(Object.keys(errors).sort()).toEqual(['customer.email', 'customer.name']);
  });

  it.each(['plain', 'a@b', 'a b@c.de', '@example.com', 'a@.com', 'a@example.'])('rejects email %s', (email) => {
    expect(validateCustomer({ email, name: 'A' })['customer.email']).toBeDefined();
  });

  it('enforces length limits', () => {
    expect(validateCustomer({ email: `${'a'.repeat(250)}@b.co`, name: 'A' })['customer.email']).toMatch(/254/);
    expect(validateCustomer({ email: 'a@b.co', name: 'x'.repeat(101) })['customer.name']).toMatch(/100/);
  });

  it('requires at least one item', () => {
    expect(validateItems([])).toHaveProperty('items');
    expect(validateItems([{ sku: 'GA', quantity: 1 }])).toEqual({});
  });
});

describe('mapServerDetails', () => {
  const known = ['customer.email', 'customer.name', 'items'];

  it('maps field paths in their common spellings', () => {
    expect(normaliseField('body.customer.email')).toBe('customer.email');
    expect(normaliseField('/customer/name')).toBe('customer.name');
    expect(normaliseField('customer[email]')).toBe('customer.email');
    expect(normaliseField('items[0].quantity')).toBe('items[0].quantity');
  });

  it('puts messages on known fields, items errors on items, the rest in general', () => {
    const mapped = mapServerDetails(
      [
        { field: 'customer.email', message: 'Bad email' },
        { field: 'items[1].quantity', message: 'Too many' },
        { field: 'items[0].sku', message: 'Gone' },
        { field: 'coupon', message: 'Unknown coupon' },
        { field: '', message: 'Body must be JSON' },
      ],
      known,
    );
    expect(mapped.fieldErrors).toEqual({ 'customer.email': 'Bad email', items: 'Too many Gone' });
    expect(mapped.general).toEqual(['Unknown coupon', 'Body must be JSON']);
  });
});
