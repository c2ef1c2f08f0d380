#!/usr/bin/env bash
# CI: the TypeScript SDK check. Types generated from the committed schema
# (tests/api/openapi.yaml) must type-check a front-end's usage file under tsc --strict.
# The Python SDK is proved by tests/api/test_sdk.py, which `make test` runs.
set -euo pipefail
cd "$(dirname "$0")/../tests/sdk"

echo "=== TypeScript SDK: install the pinned tools (npm ci) ==="
npm ci --no-audit --no-fund

echo "=== TypeScript SDK: generate types with openapi-typescript ==="
rm -rf generated
# --no: only the pinned local copy, never a download.
output="$(npx --no -- openapi-typescript ../api/openapi.yaml -o generated/api.d.ts 2>&1)"
echo "$output"
# Its Redocly lint prints problems as " ⚠  message" (warning) or " ✘  message".
if grep -qiE "warn|⚠|✘" <<<"$output"; then
  echo "openapi-typescript warned about the schema (above): fix the schema."
  exit 1
fi

echo "=== TypeScript SDK: type-check usage.ts (tsc --strict) ==="
npx --no -- tsc -p tsconfig.json
echo "TypeScript SDK check passed."
