#!/usr/bin/env bash
# Checks .github/workflows/release.yml offline, since it cannot run here: the GitHub Actions schema
# (action-validator, from npm) and workflow security (zizmor, from PyPI: unpinned actions, template
# injection, credentials left in checkouts, excessive permissions). Exits non-zero on any finding.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
workflow=.github/workflows/release.yml
venv="${TUNENET_LINT_VENV:-$HOME/.cache/tunenet/lint-venv}"
if [ ! -x "$venv/bin/zizmor" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'zizmor==1.32.0'
fi

echo "== action-validator (schema)"
npx --yes @action-validator/cli@0.6.0 "$workflow"
echo "schema: ok"

echo "== zizmor $("$venv/bin/zizmor" --version | grep -o '[0-9.]*$') (security, offline)"
"$venv/bin/zizmor" --offline --persona=pedantic "$workflow"
