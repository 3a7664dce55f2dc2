"""The session cookie and CSRF token are signed exactly as stock Flask and Flask-WTF sign them (only made
faster), so cookies and tokens issued before an upgrade stay good, and Flask-WTF accepts ours."""

from __future__ import annotations

import pytest
from flask import Flask, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import BadSignature
from wtforms import ValidationError

from jamforaren.signing import csrf_token


def test_session_cookies_are_interchangeable_with_stock_flask(client):
    app: Flask = client.application
    ours = app.session_interface.get_signing_serializer(app)
    stock = SecureCookieSessionInterface().get_signing_serializer(app)
    state = {"csrf_token": "a" * 40, "compare": {"hemtjanst": ["en", "två"]}}
    assert stock.loads(ours.dumps(state)) == state and ours.loads(stock.dumps(state)) == state
    with pytest.raises(BadSignature):
        ours.loads(ours.dumps(state)[:-2] + "xx")  # a changed signature is refused


def test_csrf_tokens_are_flask_wtf_tokens(client):
    app: Flask = client.application
    with app.test_request_context("/"):
        ours = csrf_token()
        validate_csrf(ours)  # raises ValidationError unless Flask-WTF accepts it
        assert generate_csrf() == ours  # the same token for the rest of the request, whoever asks
    with app.test_request_context("/"):
        session["csrf_token"] = "b" * 40  # another session's raw token
        with pytest.raises(ValidationError):
            validate_csrf(ours)
