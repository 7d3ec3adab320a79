import { describe, expect, it, vi } from 'vitest';
import { ApiError, NetworkError, createApiClient, newIdempotencyKey, parseConfig, toApiError } from '../../src/api';

const CONFIG = {
  publishableKey: 'pk_test_x',
  currency: 'eur',
  catalog: [{ sku: 'GA-2027', name: 'GA', description: 'd', unitAmount: 4500, maxPerOrder: 10 }],
};

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function client(impl: (url: string, init: RequestInit) => Promise<Response>) {
  const fetchImpl = vi.fn((input: RequestInfo | URL, init?: RequestInit) => impl(String(input), init ?? {}));
  return { api: createApiClient({ fetchImpl: fetchImpl as unknown as typeof fetch, timeoutMs: 50 }), fetchImpl };
}

describe('api client', () => {
  it('gets and parses the config', async () => {
    const { api, fetchImpl } = client(async () => jsonResponse(200, CONFIG));
    await expect(api.getConfig()).resolves.toEqual(CONFIG);
    expect(fetchImpl.mock.calls[0]?.[0]).toBe('/api/config');
    expect(fetchImpl.mock.calls[0]?.[1]?.method).toBe('GET');
  });

  it('posts an order as JSON and parses the 201', async () => {
    const created = { orderId: 'o1', orderToken: 't1', clientSecret: 'pi_1_secret_2', amount: 9000, currency: 'eur', status: 'PENDING_PAYMENT' };
    const { api, fetchImpl } = client(async () => jsonResponse(201, created));
    const body = { items: [{ sku: 'GA-2027', quantity: 2 }], customer: { email: 'a@b.co', name: 'A' } };
    await expect(api.createOrder(body)).resolves.toEqual(created);
    const init = fetchImpl.mock.calls[0]?.[1] as RequestInit;
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual(body);
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('sends an Idempotency-Key when given one, none otherwise', async () => {
    const created = { orderId: 'o1', orderToken: 't1', clientSecret: 'cs', amount: 1, currency: 'eur', status: 'PENDING_PAYMENT' };
    const { api, fetchImpl } = client(async () => jsonResponse(201, created));
    const body = { items: [{ sku: 'GA-2027', quantity: 1 }], customer: { email: 'a@b.co', name: 'A' } };
    await api.createOrder(body, { idempotencyKey: 'key_12345678' });
    await api.createOrder(body);
    const headers = fetchImpl.mock.calls.map((c) => c[1]?.headers as Record<string, string>);
    expect(headers[0]?.['Idempotency-Key']).toBe('key_12345678');
    expect(headers[1]).not.toHaveProperty('Idempotency-Key');
  });

  it('makes idempotency keys the API accepts', () => {
    const a = newIdempotencyKey();
    expect(a).toMatch(/^[A-Za-z0-9_-]{8,128}$/);
    expect(newIdempotencyKey()).not.toBe(a);
  });

  it('sends the order token header and encodes the id', async () => {
    const order = { orderId: 'a/b', status: 'PAID', amount: 1, currency: 'eur', items: [], tickets: [], createdAt: '', updatedAt: '' };
    const { api, fetchImpl } = client(async () => jsonResponse(200, order));
    await api.getOrder('a/b', 'secret-token');
    expect(fetchImpl.mock.calls[0]?.[0]).toBe('/api/orders/a%2Fb');
    expect((fetchImpl.mock.calls[0]?.[1]?.headers as Record<string, string>)['X-Order-Token']).toBe('secret-token');
  });

  it('turns the contract error shape into ApiError with details', async () => {
    const { api } = client(async () =>
      jsonResponse(422, {
        error: { code: 'VALIDATION_ERROR', message: 'Invalid order', details: [{ field: 'customer.email', message: 'Bad email' }] },
      }),
    );
    const err = await api.createOrder({ items: [], customer: { email: '', name: '' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 422, code: 'VALIDATION_ERROR', message: 'Invalid order', retryable: false });
    expect((err as ApiError).details).toEqual([{ field: 'customer.email', message: 'Bad email' }]);
  });

  it('404 is NOT_FOUND and not retryable', async () => {
    const { api } = client(async () => jsonResponse(404, { error: { code: 'NOT_FOUND', message: 'Order not found' } }));
    await expect(api.getOrder('x', 'y')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND', retryable: false });
  });

  it('5xx and 429 are retryable and never leak server text for 5xx', async () => {
    const e500 = toApiError(500, { error: { code: 'INTERNAL_ERROR', message: 'Traceback: KeyError' } });
    expect(e500.retryable).toBe(true);
    expect(e500.message).not.toContain('Traceback');
    expect(toApiError(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }).retryable).toBe(true);
    expect(toApiError(502, 'gateway html').code).toBe('INTERNAL_ERROR');
    expect(toApiError(413, null).code).toBe('HTTP_413');
  });

  it('handles non-JSON error bodies (e.g. a gateway HTML page)', async () => {
    const { api } = client(async () => new Response('<html>Bad gateway</html>', { status: 502 }));
    await expect(api.getConfig()).rejects.toMatchObject({ status: 502, retryable: true });
  });

  it('wraps fetch failures in NetworkError', async () => {
    const { api } = client(async () => {
      throw new TypeError('Failed to fetch');
    });
    const err = await api.getConfig().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).retryable).toBe(true);
  });

  it('times out slow requests as NetworkError', async () => {
    const { api } = client(
      (_url, init) =>
        new Promise((_resolve, reject) => {
          init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
        }),
    );
    await expect(api.getConfig()).rejects.toThrow(/too long/);
  });

  it('rejects a malformed success body with BAD_RESPONSE', async () => {
    const { api } = client(async () => jsonResponse(200, { publishableKey: 1 }));
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await expect(api.getConfig()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });

  it('parseConfig validates amounts are integers', () => {
    expect(() => parseConfig({ ...CONFIG, catalog: [{ ...CONFIG.catalog[0], unitAmount: 45.5 }] })).toThrow(/unitAmount/);
  });
});
