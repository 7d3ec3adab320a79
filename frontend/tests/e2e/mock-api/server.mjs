#!/usr/bin/env node
// Mock of the TicketsToHeaven origin for browser tests: serves frontend/dist with
// the production CSP and implements the public API of docs/contracts.md plus the
// Stripe.js stub endpoint POST /__stub_stripe/confirm. No dependencies.
// Binds 127.0.0.1 on a free port; stops itself after `idleMs` without requests.
import { createServer } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CSP } from '../csp.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const DEFAULT_DIST = resolve(HERE, '../../../dist');

export const CATALOG = [
  {
    sku: 'GA-2027',
    name: 'General admission 2027',
    description: 'Entry to all stages on all three days.',
    unitAmount: 4500,
    maxPerOrder: 10,
  },
  {
    sku: 'VIP-2027',
    name: 'VIP pass 2027',
    description: 'Fast-lane entry, lounge access and a souvenir lanyard.',
    unitAmount: 12900,
    maxPerOrder: 4,
  },
];
export const CURRENCY = 'eur';
export const CARD_OK = '4242424242424242';
export const CARD_DECLINED = '4000000000000002';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;
const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9_-]{8,128}$/;
const MAX_BODY = 16 * 1024;

function securityHeaders() {
  return {
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
    'X-Frame-Options': 'DENY',
  };
}

function send(res, status, body, headers = {}) {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...securityHeaders(),
    'Content-Type': 'application/json',
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

function apiError(res, status, code, message, details) {
  send(res, status, { error: { code, message, ...(details ? { details } : {}) } });
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) return { tooLarge: true };
    chunks.push(chunk);
  }
  try {
    return { body: JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') };
  } catch {
    return { invalid: true };
  }
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

function token(bytes = 24) {
  return randomBytes(bytes).toString('base64url');
}

export function validateOrder(body) {
  const details = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [{ field: '', message: 'Body must be a JSON object.' }];
  }
  const { items, customer } = body;
  if (!Array.isArray(items) || items.length === 0) {
    details.push({ field: 'items', message: 'Add at least one ticket.' });
  } else {
    const seen = new Set();
    items.forEach((it, i) => {
      const item = CATALOG.find((c) => c.sku === it?.sku);
      if (!item) details.push({ field: `items[${i}].sku`, message: 'This ticket is not on sale.' });
      else if (seen.has(item.sku)) details.push({ field: `items[${i}].sku`, message: 'Each ticket may appear once.' });
      else seen.add(item.sku);
      if (!Number.isInteger(it?.quantity) || it.quantity < 1 || (item && it.quantity > item.maxPerOrder)) {
        details.push({
          field: `items[${i}].quantity`,
          message: `Quantity must be between 1 and ${item ? item.maxPerOrder : 'the limit'}.`,
        });
      }
    });
  }
  const email = typeof customer?.email === 'string' ? customer.email.trim() : '';
  const name = typeof customer?.name === 'string' ? customer.name.trim() : '';
  if (!email || email.length > 254 || !EMAIL_RE.test(email)) {
    details.push({ field: 'customer.email', message: 'Enter a valid email address.' });
  }
  if (!name || name.length > 100) details.push({ field: 'customer.name', message: 'Enter a name of 1 to 100 characters.' });
  return details;
}

/**
 * Start the mock origin. Returns { url, close, orders }.
 * Options: distDir, port (0 = free port), idleMs (stop after that long without requests),
 * stepsPerState (polls spent in each state after payment), log.
 */
export async function startMockServer(options = {}) {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST);
  const idleMs = options.idleMs ?? 10 * 60 * 1000;
  const stepsPerState = options.stepsPerState ?? 1;
  const log = options.log ?? (() => undefined);
  const orders = new Map();
  const idempotency = new Map(); // key -> { body, response }

  try {
    await stat(join(distDir, 'index.html'));
  } catch {
    throw new Error(`mock-api: ${join(distDir, 'index.html')} not found - run \`npm run build\` first`);
  }

  function view(order) {
    return {
      orderId: order.orderId,
      status: order.status,
      amount: order.amount,
      currency: CURRENCY,
      items: order.items,
      tickets: order.tickets,
      createdAt: order.createdAt,
      updatedAt: order.updatedAt,
    };
  }

  // After payment every GET moves the order a step: PAID -> FULFILLING -> FULFILLED.
  function advance(order) {
    if (!order.paid || order.status === 'FULFILLED') return;
    order.polls += 1;
    if (order.polls % stepsPerState !== 0) return;
    const next = { PENDING_PAYMENT: 'PAID', PAID: 'FULFILLING', FULFILLING: 'FULFILLED' }[order.status];
    if (!next) return;
    order.status = next;
    order.updatedAt = new Date().toISOString();
    if (next === 'FULFILLED') {
      order.tickets = order.items.flatMap((it) =>
        Array.from({ length: it.quantity }, () => ({
          reference: `TTH-${randomBytes(4).toString('hex').toUpperCase()}`,
          sku: it.sku,
        })),
      );
    }
  }

  async function serveStatic(req, res, pathname) {
    let rel = decodeURIComponent(pathname);
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = normalize(join(distDir, rel));
    if (!file.startsWith(distDir + sep)) return send(res, 404, 'Not found', { 'Content-Type': 'text/plain' });
    try {
      const data = await readFile(file);
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      const immutable = rel.startsWith('/assets/');
      res.writeHead(200, {
        ...securityHeaders(),
        'Content-Type': type,
        'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : data);
    } catch {
      send(res, 404, 'Not found', { 'Content-Type': 'text/plain; charset=utf-8' });
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const { pathname } = url;
    log(`${req.method} ${pathname}`);

    if (pathname === '/api/config' && req.method === 'GET') {
      return send(res, 200, { publishableKey: 'pk_test_mock_tickets_to_heaven', currency: CURRENCY, catalog: CATALOG });
    }

    if (pathname === '/api/orders' && req.method === 'POST') {
      const parsed = await readJson(req);
      if (parsed.tooLarge) return apiError(res, 413, 'PAYLOAD_TOO_LARGE', 'Request body too large.');
      if (parsed.invalid) return apiError(res, 400, 'VALIDATION_ERROR', 'Body must be JSON.', [{ field: '', message: 'Body must be JSON.' }]);
      const key = req.headers['idempotency-key'];
      if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY_RE.test(key))) {
        return apiError(res, 400, 'VALIDATION_ERROR', 'The Idempotency-Key header is not valid.', [
          { field: 'Idempotency-Key', message: '8-128 characters of A-Z a-z 0-9 _ -' },
        ]);
      }
      const details = validateOrder(parsed.body);
      if (details.length) return apiError(res, 422, 'VALIDATION_ERROR', 'The order is not valid.', details);
      const canonical = JSON.stringify(parsed.body);
      if (key && idempotency.has(key)) {
        const seen = idempotency.get(key);
        if (seen.body !== canonical) {
          return apiError(res, 422, 'VALIDATION_ERROR', 'This Idempotency-Key was already used with a different order.', [
            { field: 'Idempotency-Key', message: 'reused with a different body' },
          ]);
        }
        return send(res, 201, seen.response);
      }
      const { items, customer } = parsed.body;
      const lines = items.map((it) => {
        const item = CATALOG.find((c) => c.sku === it.sku);
        return { sku: item.sku, name: item.name, quantity: it.quantity, unitAmount: item.unitAmount };
      });
      const orderId = `ord_${randomBytes(8).toString('hex')}`;
      const now = new Date().toISOString();
      const order = {
        orderId,
        orderToken: token(),
        clientSecret: `pi_${randomBytes(8).toString('hex')}_secret_${token(12)}`,
        status: 'PENDING_PAYMENT',
        amount: lines.reduce((s, l) => s + l.quantity * l.unitAmount, 0),
        items: lines,
        tickets: [],
        customer: { email: customer.email.trim(), name: customer.name.trim() },
        paid: false,
        polls: 0,
        createdAt: now,
        updatedAt: now,
      };
      orders.set(orderId, order);
      const response = {
        orderId,
        orderToken: order.orderToken,
        clientSecret: order.clientSecret,
        amount: order.amount,
        currency: CURRENCY,
        status: order.status,
      };
      if (key) idempotency.set(key, { body: canonical, response });
      return send(res, 201, response);
    }

    const match = /^\/api\/orders\/([^/]+)$/.exec(pathname);
    if (match && req.method === 'GET') {
      const order = orders.get(decodeURIComponent(match[1]));
      const given = req.headers['x-order-token'];
      if (!order || typeof given !== 'string' || !sameSecret(given, order.orderToken)) {
        return apiError(res, 404, 'NOT_FOUND', 'Order not found.');
      }
      advance(order);
      return send(res, 200, view(order));
    }

    if (pathname === '/__stub_stripe/confirm' && req.method === 'POST') {
      const parsed = await readJson(req);
      const body = parsed.body ?? {};
      const order = [...orders.values()].find((o) => typeof body.clientSecret === 'string' && sameSecret(o.clientSecret, body.clientSecret));
      if (!order) {
        return send(res, 400, {
          error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent.' },
        });
      }
      const card = String(body.cardNumber ?? '').replace(/\D/g, '');
      if (card === CARD_OK) {
        order.paid = true;
        return send(res, 200, { status: 'succeeded' });
      }
      if (card === CARD_DECLINED) {
        return send(res, 402, { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' } });
      }
      return send(res, 402, { error: { type: 'card_error', code: 'incorrect_number', message: 'Your card number is incorrect.' } });
    }

    if (pathname.startsWith('/api/')) return apiError(res, 404, 'NOT_FOUND', 'No such endpoint.');
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(req, res, pathname);
    return apiError(res, 405, 'METHOD_NOT_ALLOWED', 'Method not allowed.');
  }

  let idleTimer;
  const server = createServer((req, res) => {
    armIdle();
    handle(req, res).catch((err) => {
      log(`error: ${err?.stack ?? err}`);
      if (!res.headersSent) apiError(res, 500, 'INTERNAL_ERROR', 'Internal error.');
      else res.end();
    });
  });
  server.keepAliveTimeout = 1000;

  function armIdle() {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => {
      log(`mock-api: idle for ${idleMs} ms, stopping`);
      close();
    }, idleMs);
    idleTimer.unref();
  }

  let closed = false;
  function close() {
    if (closed) return Promise.resolve();
    closed = true;
    clearTimeout(idleTimer);
    return new Promise((done) => {
      server.close(() => done());
      server.closeAllConnections?.();
    });
  }

  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  armIdle();
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close, orders };
}

// CLI: node tests/e2e/mock-api/server.mjs [--port N] [--dist DIR] [--idle-seconds S]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const server = await startMockServer({
    port: Number(arg('--port') ?? 0),
    distDir: arg('--dist'),
    idleMs: Number(arg('--idle-seconds') ?? 600) * 1000,
    log: (line) => console.log(line),
  });
  console.log(`mock-api listening on ${server.url} (stops after idle; Ctrl-C to stop now)`);
  const stop = () => server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
