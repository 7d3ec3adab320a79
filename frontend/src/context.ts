import type { ApiClient, SiteConfig } from './api';
import type { CartStore } from './cart';

export interface AppContext {
  api: ApiClient;
  cart: CartStore;
  /** GET /api/config, cached once it succeeded. */
  loadConfig(): Promise<SiteConfig>;
  navigate(hash: string): void;
  setTitle(title: string): void;
}

/** A page renders into `root` and may return a cleanup function (timers, Stripe element). */
export type Cleanup = () => void;
