"""Configuration from the environment (CONTRACT.md); defaults give an embedded setup."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(instance: Path) -> str:
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting together agree on one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        except FileExistsError:
            pass
    return path.read_text().strip()


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance / 'tracker.sqlite'}"
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load(instance_path: str) -> dict:
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    url = _database_url(instance)
    return {
        "SECRET_KEY": _secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR") or str(instance / "uploads"),
        "EXPORT_DIR": os.environ.get("EXPORT_DIR") or str(instance / "exports"),
        # Imports of respondent-level files run to tens of MB (1M rows ~ 40 MB).
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_UPLOAD_MB", "64")) * 1024 * 1024,
        # The admin's import page only: a 5,000,000-row respondent file is about 200 MB.
        "IMPORT_MAX_CONTENT_LENGTH": int(os.environ.get("IMPORT_MAX_UPLOAD_MB", "256")) * 1024 * 1024,
        "EVIDENCE_MAX_BYTES": int(os.environ.get("EVIDENCE_MAX_MB", "10")) * 1024 * 1024,
        "EVIDENCE_ZIP_MAX_BYTES": int(os.environ.get("EVIDENCE_ZIP_MAX_MB", "500")) * 1024 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "SMTP_HOST": os.environ.get("SMTP_HOST") or None,
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER") or None,
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD") or None,
        "SMTP_FROM": os.environ.get("SMTP_FROM", "skm-tracker@localhost"),
        "RQ_QUEUE": os.environ.get("RQ_QUEUE", "skm"),
        "EXPORT_HEARTBEAT_SECONDS": int(os.environ.get("EXPORT_HEARTBEAT_SECONDS", "120")),
        # Makes evidence entries in exported annexes clickable links (e.g. https://skm.kota.go.id).
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL") or None,
        "EXPORT_RETENTION_HOURS": int(os.environ.get("EXPORT_RETENTION_HOURS", "24")),
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_MAX_DELAY_SECONDS": 15 * 60,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # JSON API (tracker/api): requests per token, and failed token checks per client
        # address, each "hits/seconds".
        "API_RATE_LIMIT": os.environ.get("API_RATE_LIMIT", "600/60"),
        "API_AUTH_FAILURE_LIMIT": os.environ.get("API_AUTH_FAILURE_LIMIT", "20/600"),
        # SKM daring (public questionnaire): submissions per client address and per device
        # ("hits/seconds"; one office network may carry a whole queue of respondents), and the
        # least time between showing the form and sending it.
        "SURVEY_RATE_PER_ADDRESS": os.environ.get("SURVEY_RATE_PER_ADDRESS", "200/3600"),
        "SURVEY_RATE_PER_DEVICE": os.environ.get("SURVEY_RATE_PER_DEVICE", "10/3600"),
        "SURVEY_MIN_SECONDS": int(os.environ.get("SURVEY_MIN_SECONDS", "5")),
    }


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    # pre-ping lets the pool recover after a PostgreSQL restart without restarting the app.
    return {"pool_pre_ping": True, "pool_recycle": 1800}
