/**
 * Client for the shop API (docs/contracts.md, docs/openapi.yaml).
 * Same origin as the site (CloudFront routes /api/*), so no CORS and no credentials.
 */

export interface CatalogItem {
  sku: string;
  name: string;
  description: string;
  unitAmount: number;
  maxPerOrder: number;
}

export interface SiteConfig {
  publishableKey: string;
  currency: string;
  catalog: CatalogItem[];
}

export interface OrderItemRequest {
  sku: string;
  quantity: number;
}

export interface Customer {
  email: string;
  name: string;
}

export interface CreateOrderRequest {
  items: OrderItemRequest[];
  customer: Customer;
}

export interface CreatedOrder {
  orderId: string;
  orderToken: string;
  clientSecret: string;
  amount: number;
  currency: string;
  status: string;
}

export type OrderStatus =
  | 'PENDING_PAYMENT'
  | 'PAID'
  | 'FULFILLING'
  | 'FULFILLED'
  | 'PAYMENT_FAILED'
  | 'FULFILLMENT_FAILED'
  | 'REFUNDED'
  | 'REFUNDING'
  | 'REFUND_FAILED'
  | 'NEEDS_REVIEW'
  | 'CANCELED'
  | (string & {});

export interface OrderLine {
  sku: string;
  name: string;
  quantity: number;
  unitAmount: number;
}

export interface Ticket {
  reference: string;
  sku: string;
}

export interface Order {
  orderId: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  items: OrderLine[];
  tickets: Ticket[];
  createdAt: string;
  updatedAt: string;
}

export interface ErrorDetail {
  field: string;
  message: string;
}

/** The server answered with an error (or with something we cannot read). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[];

  constructor(status: number, code: string, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** Worth trying again later without changing the request. */
  get retryable(): boolean {
    return this.status === 429 || this.status === 408 || this.status >= 500;
  }
}

/** No answer at all: offline, DNS, connection reset, timeout. */
export class NetworkError extends Error {
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

export interface ApiClientOptions {
  baseUrl?: string;
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

export interface ApiClient {
  getConfig(): Promise<SiteConfig>;
  /**
   * `idempotencyKey` (8-128 of A-Z a-z 0-9 _ -) makes a retry of the same order safe:
   * the API answers a repeated key + body with the order it already created.
   */
  createOrder(request: CreateOrderRequest, options?: { idempotencyKey?: string }): Promise<CreatedOrder>;
  getOrder(orderId: string, orderToken: string): Promise<Order>;
}

const FRIENDLY: Record<string, string> = {
  VALIDATION_ERROR: 'Some details need fixing.',
  NOT_FOUND: 'We could not find that.',
  PAYMENT_PROVIDER_ERROR: 'Our payment provider is not answering right now. Please try again in a moment.',
  PAYLOAD_TOO_LARGE: 'That request is too large.',
  RATE_LIMITED: 'Too many requests. Please wait a few seconds and try again.',
  INTERNAL_ERROR: 'Something went wrong on our side. Please try again.',
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} is not a string`);
  return value;
}

function int(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${what} is not an integer`);
  return value;
}

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new TypeError(`${what} is not a list`);
  return value;
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (!isRecord(value)) throw new TypeError(`${what} is not an object`);
  return value;
}

export function parseConfig(body: unknown): SiteConfig {
  const o = obj(body, 'config');
  return {
    publishableKey: str(o.publishableKey, 'publishableKey'),
    currency: str(o.currency, 'currency'),
    catalog: list(o.catalog, 'catalog').map((raw, i) => {
      const c = obj(raw, `catalog[${i}]`);
      return {
        sku: str(c.sku, 'sku'),
        name: str(c.name, 'name'),
        description: typeof c.description === 'string' ? c.description : '',
        unitAmount: int(c.unitAmount, 'unitAmount'),
        maxPerOrder: int(c.maxPerOrder, 'maxPerOrder'),
      };
    }),
  };
}

export function parseCreatedOrder(body: unknown): CreatedOrder {
  const o = obj(body, 'order');
  return {
    orderId: str(o.orderId, 'orderId'),
    orderToken: str(o.orderToken, 'orderToken'),
    clientSecret: str(o.clientSecret, 'clientSecret'),
    amount: int(o.amount, 'amount'),
    currency: str(o.currency, 'currency'),
    status: str(o.status, 'status'),
  };
}

export function parseOrder(body: unknown): Order {
  const o = obj(body, 'order');
  return {
    orderId: str(o.orderId, 'orderId'),
    status: str(o.status, 'status'),
    amount: int(o.amount, 'amount'),
    currency: str(o.currency, 'currency'),
    items: list(o.items ?? [], 'items').map((raw, i) => {
      const l = obj(raw, `items[${i}]`);
      return {
        sku: str(l.sku, 'sku'),
        name: typeof l.name === 'string' ? l.name : str(l.sku, 'sku'),
        quantity: int(l.quantity, 'quantity'),
        unitAmount: int(l.unitAmount, 'unitAmount'),
      };
    }),
    tickets: list(o.tickets ?? [], 'tickets').map((raw, i) => {
      const t = obj(raw, `tickets[${i}]`);
      return { reference: str(t.reference, 'reference'), sku: typeof t.sku === 'string' ? t.sku : '' };
    }),
    createdAt: typeof o.createdAt === 'string' ? o.createdAt : '',
    updatedAt: typeof o.updatedAt === 'string' ? o.updatedAt : '',
  };
}

/** Turn a non-2xx response body into an ApiError, whatever the body is. */
export function toApiError(status: number, body: unknown): ApiError {
  const err = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = err && typeof err.code === 'string' ? err.code : status >= 500 ? 'INTERNAL_ERROR' : `HTTP_${status}`;
  const serverMessage = err && typeof err.message === 'string' && err.message.trim() ? err.message : undefined;
  const details: ErrorDetail[] = [];
  if (err && Array.isArray(err.details)) {
    for (const d of err.details) {
      if (isRecord(d) && typeof d.message === 'string') {
        details.push({ field: typeof d.field === 'string' ? d.field : '', message: d.message });
      }
    }
  }
  // 5xx messages are ours to word (never leak internals); 4xx server messages are meant for the user.
  const message =
    (status < 500 ? serverMessage : undefined) ?? FRIENDLY[code] ?? `The request failed (HTTP ${status}). Please try again.`;
  return new ApiError(status, code, message, details);
}

export function createApiClient(options: ApiClientOptions = {}): ApiClient {
  const baseUrl = (options.baseUrl ?? '').replace(/\/$/, '');
  const fetchImpl = options.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 15000;

  async function request<T>(method: string, path: string, parse: (b: unknown) => T, init: RequestInit = {}): Promise<T> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let response: Response;
    try {
      response = await fetchImpl(`${baseUrl}${path}`, {
        ...init,
        method,
        signal: controller.signal,
        cache: 'no-store',
        credentials: 'same-origin',
        headers: { Accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
      });
    } catch (cause) {
      const timedOut = controller.signal.aborted;
      throw new NetworkError(
        timedOut
          ? 'The server took too long to answer. Check your connection and try again.'
          : 'We could not reach the server. Check your connection and try again.',
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }

    let body: unknown = undefined;
    const text = await response.text().catch(() => '');
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (!response.ok) throw toApiError(response.status, body);
    try {
      return parse(body);
    } catch (cause) {
      console.error('Unexpected API response', path, cause);
      throw new ApiError(response.status, 'BAD_RESPONSE', 'The server sent an answer we could not read. Please try again.');
    }
  }

  return {
    getConfig: () => request('GET', '/api/config', parseConfig),
    createOrder: (body, options = {}) =>
      request('POST', '/api/orders', parseCreatedOrder, {
        body: JSON.stringify(body),
        headers: {
          'Content-Type': 'application/json',
          ...(options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {}),
        },
      }),
    getOrder: (orderId, orderToken) =>
      request('GET', `/api/orders/${encodeURIComponent(orderId)}`, parseOrder, {
        headers: { 'X-Order-Token': orderToken },
      }),
  };
}

/** A fresh idempotency key: 32 hex characters from the platform CSPRNG. */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
