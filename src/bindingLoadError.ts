// The error a user sees when no tunenet binary loads. napi's generated loader (index.js) only says
// "Cannot find native binding" with npm's optional-dependency bug; this names the platform, the
// packages published for it (the optionalDependencies `napi prepublish` writes into the released
// package.json) and what to do in each case, keeping the loader's error chain as `cause`.

export interface RuntimePlatform {
  platform: string; // process.platform
  arch: string; // process.arch
  glibc: string | null; // process.report's glibcVersionRuntime: null off glibc (musl, macOS, Windows)
}

/** napi's platform name for this process, as in tunenet-<name>: linux-x64-gnu, darwin-arm64… */
export function platformName({ platform, arch, glibc }: RuntimePlatform): string {
  if (platform === 'linux') return `linux-${arch}-${glibc === null ? 'musl' : 'gnu'}`;
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

export function bindingLoadError(cause: unknown, runtime: RuntimePlatform, publishedPackages: string[]): Error {
  const name = platformName(runtime);
  const wanted = `tunenet-${name}`;
  const wasm = publishedPackages.find((p) => p.startsWith('tunenet-wasm32'));
  const lines = [`tunenet: no binary loaded for ${name} (Node ${process.version}).`];
  if (publishedPackages.length === 0) {
    lines.push('This is a source checkout: build the binary for this machine with `npm run build:native` (needs Rust).');
  } else if (publishedPackages.includes(wanted)) {
    lines.push(
      `${wanted} is published for this platform but did not load. If it is missing from node_modules, the package ` +
        'manager skipped the optional dependency (npm bug https://github.com/npm/cli/issues/4828, or --omit=optional, ' +
        'or a lockfile made on another platform): remove node_modules and package-lock.json and run `npm install` again.' +
        (runtime.glibc === null ? '' : ` If it is there, see the cause below (glibc ${runtime.glibc} here).`),
    );
  } else {
    lines.push(`No prebuilt binary is published for ${name}; prebuilt: ${publishedPackages.filter((p) => p !== wasm).join(', ')}.`);
  }
  if (wasm !== undefined && publishedPackages.length > 0) {
    lines.push(
      `On any platform the WebAssembly build works (several times slower): \`npm install ${wasm} --cpu=wasm32\` ` +
        '(pnpm: supportedArchitectures.cpu ["current", "wasm32"]).',
    );
  }
  const error = new Error(lines.join('\n'));
  (error as Error & { cause: unknown }).cause = cause;
  return error;
}
