export interface MockOrder {
  orderId: string;
  orderToken: string;
  clientSecret: string;
  status: string;
  amount: number;
  paid: boolean;
}
export interface MockServer {
  url: string;
  close(): Promise<void>;
  orders: Map<string, MockOrder>;
}
export interface MockServerOptions {
  distDir?: string;
  port?: number;
  idleMs?: number;
  stepsPerState?: number;
  log?: (line: string) => void;
}
export declare function startMockServer(options?: MockServerOptions): Promise<MockServer>;
export declare function validateOrder(body: unknown): Array<{ field: string; message: string }>;
export declare const CATALOG: Array<{ sku: string; name: string; description: string; unitAmount: number; maxPerOrder: number }>;
export declare const CURRENCY: string;
export declare const CARD_OK: string;
export declare const CARD_DECLINED: string;
