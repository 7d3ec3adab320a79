/** Polling schedule for the order status page (pure, unit-tested). */
import type { OrderStatus } from './api';

export type Phase = 'waiting' | 'done' | 'failed';

export const TERMINAL_OK: ReadonlySet<string> = new Set(['FULFILLED']);
export const TERMINAL_FAIL: ReadonlySet<string> = new Set([
  'PAYMENT_FAILED',
  'FULFILLMENT_FAILED',
  'REFUNDED',
  'REFUND_FAILED',
  'CANCELED',
]);

export function phaseOf(status: OrderStatus): Phase {
  if (TERMINAL_OK.has(status)) return 'done';
  if (TERMINAL_FAIL.has(status)) return 'failed';
  return 'waiting';
}

/** Delay before poll number `attempt` (0-based): quick at first, then backing off. */
export function pollDelay(attempt: number): number {
  if (attempt < 10) return 1000;
  if (attempt < 30) return 2000;
  return 5000;
}

/** Delay before retrying after a failed request (`failures` >= 1): 2s, 4s, 8s, … capped at 30s. */
export function retryDelay(failures: number): number {
  return Math.min(30000, 1000 * 2 ** Math.max(1, failures));
}

/** Stop polling automatically after this long; the page then offers a manual check. */
export const POLL_BUDGET_MS = 5 * 60 * 1000;
