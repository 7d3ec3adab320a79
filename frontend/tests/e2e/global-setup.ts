import type { FullConfig } from '@playwright/test';
import { existsSync } from 'node:fs';
import { startMockServer } from './mock-api/server.mjs';

/**
 * Without TTH_BASE_URL: start the mock origin (dist/ + mock API + stub endpoint)
 * on a free 127.0.0.1 port and stop it when the run ends.
 * With TTH_BASE_URL: run the same tests against that origin (e.g. `make up`).
 */
export default async function globalSetup(_config: FullConfig): Promise<() => Promise<void>> {
  const external = process.env.TTH_BASE_URL;
  if (external) {
    process.env.TTH_E2E_BASE_URL = external.replace(/\/$/, '');
    process.env.TTH_E2E_MODE = 'external';
    console.log(`e2e: running against ${process.env.TTH_E2E_BASE_URL}`);
    return async () => undefined;
  }
  if (!existsSync(new URL('../../dist/index.html', import.meta.url))) {
    throw new Error('e2e: frontend/dist/index.html is missing - run `npm run build` first (npm run test:e2e does)');
  }
  const server = await startMockServer({ idleMs: 15 * 60 * 1000 });
  process.env.TTH_E2E_BASE_URL = server.url;
  process.env.TTH_E2E_MODE = 'mock';
  console.log(`e2e: mock API + site on ${server.url}`);
  return async () => {
    await server.close();
  };
}
