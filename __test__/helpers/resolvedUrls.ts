// What Node's ES-module loader resolves in a child process: a resolve hook, run on the loader's
// own thread, posts each URL to the main thread. Tests that must show a module is (or is not)
// reached through the ES-module loader put these lines at the top of their probe script.

/** The hook module: posts every resolved URL through the port it is given. */
const RESOLVE_HOOK = `
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  port.postMessage(resolved.url);
  return resolved;
}`;

/**
 * Script lines, for a CommonJS or an ES-module probe, that register the hook and collect the
 * URLs in an array `resolved`. Its messages arrive asynchronously: wait (~200 ms) before reading.
 */
export function collectResolvedUrls(kind: 'commonjs' | 'module'): string {
  const load =
    kind === 'module'
      ? `import { register as registerHook } from 'node:module';\nimport { MessageChannel } from 'node:worker_threads';`
      : `const { register: registerHook } = require('node:module');\nconst { MessageChannel } = require('node:worker_threads');`;
  return `${load}
const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (url) => resolved.push(url));
port1.unref();
registerHook('data:text/javascript,' + encodeURIComponent(${JSON.stringify(RESOLVE_HOOK)}), { data: { port: port2 }, transferList: [port2] });
`;
}
