#!/usr/bin/env bash
# CI: the README's Next.js webhook receiver (tests/webhooks/nextjs/app/api/revalidate/
# route.ts) type-checks against Next.js 16's own types under tsc --strict.
# tests/webhooks/test_nextjs_example.py, which `make test` runs, holds the README's
# copy to that file.
set -euo pipefail
cd "$(dirname "$0")/../tests/webhooks/nextjs"

echo "=== Next.js webhook example: install the pinned packages (npm ci) ==="
npm ci --no-audit --no-fund

echo "=== Next.js webhook example: type-check route.ts (tsc --strict) ==="
# --no: only the pinned local copy, never a download.
npx --no -- tsc -p tsconfig.json --noEmit
echo "Next.js webhook example check passed."
