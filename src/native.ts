// Loads the native addon through the loader napi generates (index.js at the package root),
// which picks the prebuilt binary for this platform; when none loads, the error says why and
// what to do (bindingLoadError.ts). TUNENET_BINARY=<path to a .node or .wasi.cjs> loads that build
// instead (the release jobs test each platform's binary this way; napi's own
// NAPI_RS_NATIVE_LIBRARY_PATH would also redirect every other napi-rs package, e.g. vitest's rolldown).
import { resolve } from 'node:path';
import { bindingLoadError } from './bindingLoadError';

function loadBinding(): typeof import('../index') {
  const chosen = process.env.TUNENET_BINARY;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (chosen) return require(resolve(chosen));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('../index.js');
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const manifest: { optionalDependencies?: Record<string, string> } = require('../package.json');
    const header = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
    throw bindingLoadError(
      error,
      { platform: process.platform, arch: process.arch, glibc: header?.header?.glibcVersionRuntime ?? null },
      Object.keys(manifest.optionalDependencies ?? {}),
    );
  }
}

const binding = loadBinding();

export default binding;
