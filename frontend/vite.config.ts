import { defineConfig } from 'vitest/config';

const apiUrl = process.env.TTH_API_URL;

export default defineConfig({
  build: {
    target: 'es2022',
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    // never inline assets as data: URIs into JS/CSS; keep everything a same-origin file
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    host: '127.0.0.1',
    // `npm run dev` proxies the API to a running mock API or local stack
    ...(apiUrl ? { proxy: { '/api': apiUrl, '/__stub_stripe': apiUrl } } : {}),
  },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    environment: 'node',
  },
});
