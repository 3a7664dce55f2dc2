"""Configuration from the environment.

Every setting can be given as an environment variable (``JAMFORAREN_`` prefix optional for the
database URL and secret key, which follow common conventions) or passed to ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

MODES = ("development", "production", "testing")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to change."""


def normalise_database_url(url: str) -> str:
    """Accept the usual spellings of a PostgreSQL URL and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env(environ: Mapping[str, str], name: str, default: str | None = None) -> str | None:
    value = environ.get(f"JAMFORAREN_{name}", environ.get(name, default))
    return value if value not in ("",) else default


def _persistent_dev_secret(instance_path: Path) -> str:
    """A development secret kept in the instance folder so sessions survive restarts."""
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _whole_number(environ: Mapping[str, str], name: str, default: int, minimum: int = 1) -> int:
    value = _env(environ, name, str(default)) or str(default)
    try:
        number = int(value)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise ConfigError(f"{name} must be a whole number of at least {minimum}, not {value!r}.")
    return number


POOL_RECYCLE_SECONDS = 1800
CONNECT_TIMEOUT_SECONDS = 5


def engine_options(database_url: str) -> dict[str, Any]:
    """Connection health on PostgreSQL (see jamforaren/db_faults.py): each pooled connection is checked before
    a request gets it, so one the server dropped (a restart, pg_terminate_backend) is replaced instead of
    failing the request; connections are renewed after half an hour, before firewalls and proxies drop idle
    ones; and connecting gives up after 5 s (unless the URL sets connect_timeout) instead of hanging."""
    if not database_url.startswith("postgresql"):
        return {}  # SQLite: a file, nothing to drop; its busy timeout is set per connection (extensions.py)
    options: dict[str, Any] = {"pool_pre_ping": True, "pool_recycle": POOL_RECYCLE_SECONDS}
    if "connect_timeout=" not in database_url:
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return options


KNOWN_DEFAULT_SECRETS = {"dev", "development", "secret", "change-me", "changeme", "test-secret", "please-change"}
MIN_SECRET_LENGTH = 32


def _refuse_unsafe_production(environ: Mapping[str, str], overrides: Mapping[str, Any], secret_key: str) -> None:
    if secret_key.strip().lower() in KNOWN_DEFAULT_SECRETS or len(secret_key) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is a default or shorter than {MIN_SECRET_LENGTH} characters. In production the portal "
            "refuses to start with it: set SECRET_KEY to a long random string (e.g. python -c \"import secrets; "
            "print(secrets.token_hex(32))\"), the same on every host."
        )
    debug = overrides.get("DEBUG") or str(environ.get("FLASK_DEBUG", "")).lower() in ("1", "true", "yes", "on")
    if debug:
        raise ConfigError("Debug mode is on (FLASK_DEBUG or DEBUG). In production the portal refuses to start with "
                          "it, because the debugger runs code for whoever reaches it: turn it off.")


def load_config(instance_path: Path, environ: Mapping[str, str] | None = None,
                overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask configuration: defaults, then the environment, then ``overrides``."""
    environ = os.environ if environ is None else environ
    overrides = dict(overrides or {})
    mode = overrides.pop("MODE", None) or _env(environ, "ENV", "development")
    if mode not in MODES:
        raise ConfigError(f"JAMFORAREN_ENV must be one of {', '.join(MODES)}, not {mode!r}.")

    database_url = overrides.pop("DATABASE_URL", None) or _env(environ, "DATABASE_URL")
    if not database_url:
        database_url = f"sqlite:///{instance_path / 'jamforaren.sqlite3'}"

    secret_key = overrides.pop("SECRET_KEY", None) or _env(environ, "SECRET_KEY")
    if not secret_key:
        if mode == "production":
            raise ConfigError(
                "SECRET_KEY is not set. In production the portal refuses to start without one: "
                "set SECRET_KEY to a long random string, the same on every host."
            )
        secret_key = _persistent_dev_secret(instance_path)
    if mode == "production":
        _refuse_unsafe_production(environ, overrides, secret_key)

    config: dict[str, Any] = {
        "MODE": mode,
        "TESTING": mode == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(normalise_database_url(database_url)),
        "SEARCH_INDEX_DIR": _env(environ, "SEARCH_INDEX_DIR", str(instance_path / "search-index")),
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": _env(environ, "TIMEZONE", "Europe/Stockholm"),
        "LANGUAGES": ("sv", "en"),
        "PAGE_SIZE": int(_env(environ, "PAGE_SIZE", "20") or 20),
        "PAGE_CACHE_MB": _whole_number(environ, "PAGE_CACHE_MB", 256, minimum=0),
        "PAGE_CACHE_MEMORY_MB": _whole_number(environ, "PAGE_CACHE_MEMORY_MB", 16, minimum=0),
        "MUNICIPALITY_NAME": _env(environ, "MUNICIPALITY_NAME", "Nacka kommun"),
        "MUNICIPALITY_LOGO_TEXT": _env(environ, "MUNICIPALITY_LOGO_TEXT", "Nacka"),
        "MUNICIPALITY_CODE": _env(environ, "MUNICIPALITY_CODE", "0182"),
        "KOLADA_BASE_URL": _env(environ, "KOLADA_BASE_URL", "https://api.kolada.se/v3"),
        "IMPORT_MAX_BYTES": int(_env(environ, "IMPORT_MAX_BYTES", str(50 * 1024 * 1024)) or 0),
        "MUNICIPALITY_EMAIL": _env(environ, "MUNICIPALITY_EMAIL", "kundval@example.invalid"),
        "MUNICIPALITY_PHONE": _env(environ, "MUNICIPALITY_PHONE", "08-000 000 00"),
        "MUNICIPALITY_URL": _env(environ, "MUNICIPALITY_URL", "https://www.example.invalid/"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        # Sign-in protection (jamforaren/services/sign_in.py): failures counted per e-mail address and per client.
        "SIGN_IN_MAX_FAILURES": _whole_number(environ, "SIGN_IN_MAX_FAILURES", 5),
        "SIGN_IN_WINDOW_SECONDS": _whole_number(environ, "SIGN_IN_WINDOW_SECONDS", 15 * 60),
        "SIGN_IN_LOCKOUT_SECONDS": _whole_number(environ, "SIGN_IN_LOCKOUT_SECONDS", 15 * 60),
        "SIGN_IN_MAX_FAILURES_PER_ADDRESS": _whole_number(environ, "SIGN_IN_MAX_FAILURES_PER_ADDRESS", 30),
        "TRUSTED_PROXIES": _whole_number(environ, "TRUSTED_PROXIES", 0, minimum=0),  # reverse proxies setting X-Forwarded-For
    }
    config.update(overrides)
    # No request may be larger than the largest import file and its form (more is refused with 413).
    config.setdefault("MAX_CONTENT_LENGTH", config["IMPORT_MAX_BYTES"] + 1024 * 1024)
    return config
