// tunenet's own version, for the producer fields of exported files.
import { readFileSync } from 'node:fs';
import path from 'node:path';

let version: string | undefined;

/** package.json's version ('unknown' if it cannot be read); src/io and dist/io sit at the same depth. */
export function packageVersion(): string {
  if (version === undefined) {
    try {
      version = String(JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')).version);
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
