import { describe, expect, it } from 'vitest';
import type { CatalogItem } from '../../src/api';
import {
  CartStore,
  cartLines,
  clampQuantity,
  estimatedTotal,
  itemCount,
  parseStoredCart,
  reconcile,
  setQuantity,
  toOrderItems,
} from '../../src/cart';

const GA: CatalogItem = { sku: 'GA', name: 'General', description: '', unitAmount: 4500, maxPerOrder: 10 };
const VIP: CatalogItem = { sku: 'VIP', name: 'VIP', description: '', unitAmount: 12900, maxPerOrder: 4 };
const CATALOG = [GA, VIP];

function memoryStorage() {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => void data.set(k, v),
    removeItem: (k: string) => void data.delete(k),
  };
}

describe('cart', () => {
  it('clamps quantities to 0..maxPerOrder and whole numbers', () => {
    expect(clampQuantity(-3, GA)).toBe(0);
    expect(clampQuantity(99, VIP)).toBe(4);
    expect(clampQuantity(2.7, GA)).toBe(2);
    expect(clampQuantity(Number.NaN, GA)).toBe(0);
  });

  it('sets, removes and totals lines in catalog order', () => {
    let cart = setQuantity({}, VIP, 1);
    cart = setQuantity(cart, GA, 2);
    expect(cartLines(cart, CATALOG).map((l) => l.item.sku)).toEqual(['GA', 'VIP']);
    expect(estimatedTotal(cart, CATALOG)).toBe(2 * 4500 + 12900);
    expect(itemCount(cart)).toBe(3);
    expect(toOrderItems(cart, CATALOG)).toEqual([
      { sku: 'GA', quantity: 2 },
      { sku: 'VIP', quantity: 1 },
    ]);
    cart = setQuantity(cart, VIP, 0);
    expect(cart).toEqual({ GA: 2 });
  });

  it('reconciles with a changed catalog', () => {
    expect(reconcile({ GA: 20, GONE: 1, VIP: 2 }, CATALOG)).toEqual({ GA: 10, VIP: 2 });
  });

  it('ignores corrupt stored data', () => {
    expect(parseStoredCart('not json')).toEqual({});
    expect(parseStoredCart('[1,2]')).toEqual({});
    expect(parseStoredCart('{"GA":2,"X":-1,"Y":"3","Z":1.5}')).toEqual({ GA: 2 });
  });

  it('store persists to storage and notifies subscribers', () => {
    const storage = memoryStorage();
    const store = new CartStore(storage);
    const seen: number[] = [];
    const off = store.subscribe((c) => seen.push(itemCount(c)));
    store.setQuantity(GA, 3);
    expect(new CartStore(storage).value).toEqual({ GA: 3 });
    store.clear();
    expect(storage.data.size).toBe(0);
    off();
    store.setQuantity(GA, 1);
    expect(seen).toEqual([3, 0]);
  });

  it('store works without storage', () => {
    const store = new CartStore(null);
    store.setQuantity(GA, 1);
    expect(store.value).toEqual({ GA: 1 });
  });
});
