// Runs CloudFront Functions (cloudfront-js-2.0) for harness/cloudfront.py.
//
// One JSON object per stdin line: {"code": <function code>, "event": <event>}.
// One JSON object per stdout line: {"result": <request or response>} or
// {"error": <message>}. Each code text is compiled once, in its own context
// with only what the runtime offers (no process, no filesystem, no network).
'use strict';

const crypto = require('crypto');
const querystring = require('querystring');
const readline = require('readline');
const vm = require('vm');

// The modules cloudfront-js-2.0 lets a function require.
const MODULES = { crypto, querystring, buffer: require('buffer') };
// CloudFront stops a function that uses too much compute; 1 s is far beyond it.
const TIMEOUT_MS = 1000;
const compiled = new Map();

function handlerFor(code) {
  if (!compiled.has(code)) {
    const context = vm.createContext({
      console: { log: (...args) => process.stderr.write(args.join(' ') + '\n') },
      require: (name) => {
        if (!(name in MODULES)) throw new Error(`module ${name} is not available in cloudfront-js-2.0`);
        return MODULES[name];
      },
      Buffer,
    });
    vm.runInContext(code, context, { timeout: TIMEOUT_MS, filename: 'function.js' });
    if (typeof context.handler !== 'function') throw new Error('the function code defines no handler(event)');
    compiled.set(code, context.handler);
  }
  return compiled.get(code);
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  let reply;
  try {
    const { code, event } = JSON.parse(line);
    const result = await handlerFor(code)(event);
    reply = { result: result === undefined ? null : result };
  } catch (error) {
    reply = { error: String((error && error.message) || error) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
});
