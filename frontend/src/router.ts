/**
 * Hash routes. The site is a single index.html on S3/CloudFront: hash routing needs
 * no rewrite rules at the edge, and the fragment is never sent to any server (not
 * in CloudFront/S3 logs, not in Referer headers), which is why the order token lives there.
 */
export type Route =
  | { name: 'catalog' }
  | { name: 'checkout' }
  | { name: 'order'; orderId: string; token: string }
  | { name: 'notFound' };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  if (!raw.startsWith('/')) return { name: 'catalog' };
  const [path = '', query = ''] = raw.split('?', 2);
  const clean = path.replace(/\/+$/, '') || '/';
  if (clean === '/' || clean === '') return { name: 'catalog' };
  if (clean === '/checkout') return { name: 'checkout' };
  if (clean === '/order') {
    const params = new URLSearchParams(query);
    const orderId = params.get('id') ?? '';
    const token = params.get('token') ?? '';
    if (orderId && token) return { name: 'order', orderId, token };
  }
  return { name: 'notFound' };
}

export function orderHash(orderId: string, token: string): string {
  const params = new URLSearchParams({ id: orderId, token });
  return `#/order?${params.toString()}`;
}

export function orderUrl(base: Location | URL, orderId: string, token: string): string {
  return `${base.origin}${base.pathname}${orderHash(orderId, token)}`;
}
