/**
 * The cart: quantities per SKU, clamped to the catalog's limits. Pure functions
 * plus a small store persisted in sessionStorage (survives reloads, dies with the tab).
 * Totals here are estimates from catalog prices; the amount charged is the one
 * the server computes when the order is created.
 */
import type { CatalogItem, OrderItemRequest } from './api';

export type Cart = Readonly<Record<string, number>>;

export interface CartLine {
  item: CatalogItem;
  quantity: number;
  lineAmount: number;
}

export function clampQuantity(quantity: number, item: CatalogItem): number {
  if (!Number.isFinite(quantity)) return 0;
  const whole = Math.trunc(quantity);
  return Math.min(Math.max(whole, 0), Math.max(item.maxPerOrder, 0));
}

export function setQuantity(cart: Cart, item: CatalogItem, quantity: number): Cart {
  const next: Record<string, number> = { ...cart };
  const q = clampQuantity(quantity, item);
  if (q === 0) delete next[item.sku];
  else next[item.sku] = q;
  return next;
}

/** Drop SKUs no longer sold and clamp to current limits. */
export function reconcile(cart: Cart, catalog: readonly CatalogItem[]): Cart {
  let next: Cart = {};
  for (const item of catalog) {
    const q = cart[item.sku];
    if (q !== undefined) next = setQuantity(next, item, q);
  }
  return next;
}

export function cartLines(cart: Cart, catalog: readonly CatalogItem[]): CartLine[] {
  const lines: CartLine[] = [];
  for (const item of catalog) {
    const quantity = cart[item.sku] ?? 0;
    if (quantity > 0) lines.push({ item, quantity, lineAmount: quantity * item.unitAmount });
  }
  return lines;
}

export function estimatedTotal(cart: Cart, catalog: readonly CatalogItem[]): number {
  return cartLines(cart, catalog).reduce((sum, l) => sum + l.lineAmount, 0);
}

export function itemCount(cart: Cart): number {
  return Object.values(cart).reduce((sum, q) => sum + q, 0);
}

export function toOrderItems(cart: Cart, catalog: readonly CatalogItem[]): OrderItemRequest[] {
  return cartLines(cart, catalog).map((l) => ({ sku: l.item.sku, quantity: l.quantity }));
}

const STORAGE_KEY = 'tth.cart.v1';

export function parseStoredCart(raw: string | null): Cart {
  if (!raw) return {};
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const out: Record<string, number> = {};
    for (const [sku, q] of Object.entries(value)) {
      if (typeof q === 'number' && Number.isInteger(q) && q > 0) out[sku] = q;
    }
    return out;
  } catch {
    return {};
  }
}

type Listener = (cart: Cart) => void;

export class CartStore {
  private cart: Cart;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | null) {
    let raw: string | null = null;
    try {
      raw = storage?.getItem(STORAGE_KEY) ?? null;
    } catch {
      raw = null;
    }
    this.cart = parseStoredCart(raw);
  }

  get value(): Cart {
    return this.cart;
  }

  set(cart: Cart): void {
    this.cart = cart;
    try {
      if (Object.keys(cart).length === 0) this.storage?.removeItem(STORAGE_KEY);
      else this.storage?.setItem(STORAGE_KEY, JSON.stringify(cart));
    } catch {
      /* storage full or disabled: the cart still works for this page view */
    }
    for (const l of this.listeners) l(cart);
  }

  setQuantity(item: CatalogItem, quantity: number): void {
    this.set(setQuantity(this.cart, item, quantity));
  }

  clear(): void {
    this.set({});
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
