// Runs once before the suite: installs (or finds cached) what tests need beyond npm — the Python
// venv, chromium, redis-server. See scripts/test-deps.sh.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  execFileSync('bash', [resolve(__dirname, '../scripts/test-deps.sh')], { stdio: 'inherit' });
}
