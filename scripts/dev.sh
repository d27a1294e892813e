#!/usr/bin/env bash
# One command for a newcomer: install, migrate an embedded SQLite database, load the Surakarta
# sample, create a first admin (printed) and serve on http://127.0.0.1:5000. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -d .venv ] || "$PY" -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
export FLASK_APP=wsgi
.venv/bin/flask --app wsgi db upgrade
.venv/bin/flask --app wsgi skm load-sample
ADMIN_EMAIL=${ADMIN_EMAIL:-admin@contoh.go.id}
PASS_FILE=instance/first-admin-password
if [ ! -f "$PASS_FILE" ]; then
  mkdir -p instance
  .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(12))" > "$PASS_FILE"
  chmod 600 "$PASS_FILE"
fi
ADMIN_PASSWORD=$(cat "$PASS_FILE")
.venv/bin/flask --app wsgi users create --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" --role admin >/dev/null 2>&1 || true
echo "Admin login: $ADMIN_EMAIL / $ADMIN_PASSWORD"
echo "Serving on http://127.0.0.1:${PORT:-5000}"
exec .venv/bin/flask --app wsgi run --host 127.0.0.1 --port "${PORT:-5000}"
