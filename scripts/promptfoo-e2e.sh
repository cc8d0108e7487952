#!/usr/bin/env bash
# Runs the real promptfoo CLI against tickbox and the fake upstream (test/integrations).
# promptfoo is large and not a dependency: a pinned version is installed beside the checkout's
# node_modules, once. 0.121.x is the last line that runs on Node 20 (0.122 wants Node 22.22).
set -euo pipefail
cd "$(dirname "$0")/.."
version=0.121.20
prefix="node_modules/.cache/promptfoo-$version"
if [ ! -x "$prefix/node_modules/.bin/promptfoo" ]; then
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --no-package-lock "promptfoo@$version" >/dev/null
fi
PROMPTFOO_BIN="$PWD/$prefix/node_modules/.bin/promptfoo" npx vitest run test/integrations/promptfoo-cli.test.ts
