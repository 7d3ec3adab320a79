import './styles.css';
import { createApiClient, type SiteConfig } from './api';
import { CartStore, reconcile } from './cart';
import type { AppContext, Cleanup } from './context';
import { h, replaceChildren } from './dom';
import { renderCatalog } from './pages/catalog';
import { renderCheckout } from './pages/checkout';
import { renderOrder } from './pages/order';
import { parseHash } from './router';

const SITE = 'TicketsToHeaven';

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

const api = createApiClient();
const cart = new CartStore(sessionStore());
let configPromise: Promise<SiteConfig> | null = null;

const ctx: AppContext = {
  api,
  cart,
  loadConfig() {
    if (!configPromise) {
      configPromise = api.getConfig().then((config) => {
        cart.set(reconcile(cart.value, config.catalog));
        return config;
      });
      configPromise.catch(() => {
        configPromise = null;
      });
    }
    return configPromise;
  },
  navigate(hash) {
    if (window.location.hash === hash) render();
    else window.location.hash = hash;
  },
  setTitle(title) {
    document.title = `${title} — ${SITE}`;
  },
};

const main = document.getElementById('main') as HTMLElement;
let cleanup: Cleanup | undefined;
let firstRender = true;

function render(): void {
  cleanup?.();
  cleanup = undefined;
  const route = parseHash(window.location.hash);
  switch (route.name) {
    case 'catalog':
      cleanup = renderCatalog(main, ctx);
      break;
    case 'checkout':
      cleanup = renderCheckout(main, ctx);
      break;
    case 'order':
      cleanup = renderOrder(main, ctx, route.orderId, route.token);
      break;
    default:
      ctx.setTitle('Page not found');
      replaceChildren(
        main,
        h('h1', { tabindex: '-1' }, 'Page not found'),
        h('p', {}, 'This page does not exist. If you followed an order link, make sure you copied all of it.'),
        h('p', {}, h('a', { href: '#/' }, 'Go to the tickets')),
      );
  }
  // On in-app navigation move focus to the new page's heading so screen readers announce it.
  if (!firstRender) {
    main.querySelector<HTMLElement>('h1')?.focus();
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

// Fragments that are not routes (e.g. the skip link's #main) must not re-render the page.
window.addEventListener('hashchange', () => {
  const hash = window.location.hash;
  if (hash === '' || hash.startsWith('#/')) render();
});
document.querySelector('.skip-link')?.addEventListener('click', (event) => {
  event.preventDefault();
  main.focus();
});
render();
