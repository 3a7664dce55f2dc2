"""The session cookie and the CSRF token, signed as Flask and Flask-WTF sign them, with each serializer
made once instead of on every request (making one costs as much as using it: itsdangerous tries the
serializer out each time), and with SHA-1 itself where Flask and itsdangerous pass a lazy wrapper of it
(for systems that forbid SHA-1 at import): the same signatures, but ``hmac`` then uses OpenSSL's HMAC
instead of its pure-Python one. A page-cache hit signs both for every new visitor."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import Flask, current_app, g, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer

CSRF_FIELD = "csrf_token"  # Flask-WTF's name, in the session (raw) and in g (signed)
CSRF_SALT = "wtf-csrf-token"  # Flask-WTF's salt: its validate_csrf reads what csrf_token() signs


class SessionInterface(SecureCookieSessionInterface):
    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        if not app.secret_key:
            return None
        return _session_serializer(self, (*(app.config["SECRET_KEY_FALLBACKS"] or ()), app.secret_key))


@lru_cache(maxsize=8)
def _session_serializer(interface: SessionInterface, keys: tuple) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        list(keys), salt=interface.salt, serializer=interface.serializer,
        signer_kwargs={"key_derivation": interface.key_derivation, "digest_method": hashlib.sha1})


@lru_cache(maxsize=8)
def _csrf_serializer(secret_key: str | bytes) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=CSRF_SALT, signer_kwargs={"digest_method": hashlib.sha1})


def csrf_token() -> str:
    """Flask-WTF's ``generate_csrf()``: the request's signed token (the raw one is kept in the session)."""
    if CSRF_FIELD not in g:
        if not isinstance(session.get(CSRF_FIELD), str):
            session[CSRF_FIELD] = hashlib.sha1(os.urandom(64)).hexdigest()
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        setattr(g, CSRF_FIELD, _csrf_serializer(secret).dumps(session[CSRF_FIELD]))
    return g.get(CSRF_FIELD)  # type: ignore[no-any-return]


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
