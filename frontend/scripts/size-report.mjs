#!/usr/bin/env node
// Prints raw and gzipped sizes of the built JS and CSS (frontend/dist).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, extname, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const files = [];
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
})(dist);

const totals = {};
for (const file of files.sort()) {
  const ext = extname(file).slice(1);
  const data = readFileSync(file);
  const gz = gzipSync(data, { level: 9 }).length;
  console.log(`${relative(dist, file).padEnd(40)} ${String(data.length).padStart(8)} B  gzip ${String(gz).padStart(7)} B`);
  totals[ext] ??= { raw: 0, gz: 0 };
  totals[ext].raw += data.length;
  totals[ext].gz += gz;
}
for (const [ext, t] of Object.entries(totals)) {
  console.log(`total ${ext.padEnd(6)} raw ${(t.raw / 1024).toFixed(1)} KiB, gzip ${(t.gz / 1024).toFixed(1)} KiB`);
}
