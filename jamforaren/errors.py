"""Error pages in the reader's language."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):  # type: ignore[no-untyped-def]
        template = "errors/404.html" if error.code == 404 else "errors/http.html"
        return render_template(template, error=error), error.code

    @app.errorhandler(500)
    def server_error(error: Exception):  # type: ignore[no-untyped-def]
        return render_template("errors/500.html"), 500
