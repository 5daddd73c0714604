// Loads the native addon through the loader napi generates (index.js at the package root),
// which picks the prebuilt binary for this platform.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const binding: typeof import('../index') = require('../index.js');

export default binding;
