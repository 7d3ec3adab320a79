import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser (set PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 for npm ci).
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: './tests/e2e',
  testMatch: /.*\.spec\.ts$/,
  outputDir: './test-results/playwright',
  globalSetup: './tests/e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // the real stack (TTH_BASE_URL) fulfils through webhook → queue → Lambda: give it more time
  timeout: process.env.TTH_BASE_URL ? 180_000 : 60_000,
  expect: { timeout: process.env.TTH_BASE_URL ? 30_000 : 10_000 },
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
    video: 'off',
    serviceWorkers: 'block',
    launchOptions: {
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
