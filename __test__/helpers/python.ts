// The test suite's Python interpreter: the venv that scripts/test-deps.sh (vitest's globalSetup)
// creates with tensorboard, numpy, safetensors and optuna.
import { execFileSync } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const pythonPath = join(process.env.TUNENET_PYTHON_VENV ?? join(homedir(), '.cache/tunenet/venv'), 'bin/python');

/** Runs `python script args…` in the venv and parses its stdout as JSON. */
export function runPythonJson<T = unknown>(script: string, args: string[] = []): T {
  const out = execFileSync(pythonPath, [script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}
