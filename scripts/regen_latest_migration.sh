#!/usr/bin/env bash
# Regenerate the newest (not yet released) migration from the models: for use before a release
# only, while that migration exists on no deployed database. Usage: scripts/regen_latest_migration.sh "message"
set -euo pipefail
cd "$(dirname "$0")/.."
latest=$(ls registry/migrations/versions/*.py | xargs grep -l "^down_revision = 'a1b2c3d4e5f6'" | head -1)
[ -n "$latest" ] && rm "$latest"
db=$(mktemp -d)/regen.db
DATABASE_URL="sqlite:///$db" .venv/bin/registry db upgrade >/dev/null 2>&1
DATABASE_URL="sqlite:///$db" .venv/bin/registry db migrate -m "$1" 2>&1 | grep -E "Detected|Generating"
