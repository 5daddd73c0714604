// What a user reads when no binary loads: the platform named, and the remedy that fits.
import { describe, expect, it } from 'vitest';
import { bindingLoadError, platformName } from '../../src/bindingLoadError';

const published = [
  'tunenet-linux-x64-gnu',
  'tunenet-linux-x64-musl',
  'tunenet-linux-arm64-gnu',
  'tunenet-darwin-arm64',
  'tunenet-win32-x64-msvc',
  'tunenet-wasm32-wasi',
];
const loaderError = new Error('Cannot find native binding.');

describe('platformName', () => {
  it('follows napi package names, telling glibc from musl Linux', () => {
    expect(platformName({ platform: 'linux', arch: 'x64', glibc: '2.31' })).toBe('linux-x64-gnu');
    expect(platformName({ platform: 'linux', arch: 'arm64', glibc: null })).toBe('linux-arm64-musl');
    expect(platformName({ platform: 'win32', arch: 'x64', glibc: null })).toBe('win32-x64-msvc');
    expect(platformName({ platform: 'darwin', arch: 'arm64', glibc: null })).toBe('darwin-arm64');
  });
});

describe('bindingLoadError', () => {
  it('on a published platform, blames the skipped optional dependency and keeps the loader error', () => {
    const error = bindingLoadError(loaderError, { platform: 'linux', arch: 'x64', glibc: '2.17' }, published);
    expect(error.message).toMatch(/^tunenet: no binary loaded for linux-x64-gnu/);
    expect(error.message).toContain('tunenet-linux-x64-gnu is published for this platform');
    expect(error.message).toContain('remove node_modules and package-lock.json');
    expect(error.message).toContain('glibc 2.17 here');
    expect(error.message).toContain('npm install tunenet-wasm32-wasi --cpu=wasm32');
    expect((error as Error & { cause: unknown }).cause).toBe(loaderError);
  });

  it('on an unpublished platform, lists the prebuilt ones and offers WebAssembly', () => {
    const error = bindingLoadError(loaderError, { platform: 'freebsd', arch: 'x64', glibc: null }, published);
    expect(error.message).toContain('No prebuilt binary is published for freebsd-x64');
    expect(error.message).toContain('tunenet-darwin-arm64');
    expect(error.message).not.toMatch(/prebuilt: .*wasm32/);
    expect(error.message).toContain('tunenet-wasm32-wasi');
  });

  it('in a source checkout (no platform packages), says to build the binary', () => {
    const error = bindingLoadError(loaderError, { platform: 'linux', arch: 'x64', glibc: '2.36' }, []);
    expect(error.message).toContain('npm run build:native');
    expect(error.message).not.toContain('wasm32');
  });
});
