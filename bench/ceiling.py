"""The ceiling reference for bench/run: the least a Flask app under the same server can do — return a
page of the same size (``CEILING_BYTES``) with no database, templates or middleware."""

from __future__ import annotations

import os

from flask import Flask, Response

app = Flask(__name__)
PAGE = (b"<!doctype html><title>x</title>" + b"x" * int(os.environ.get("CEILING_BYTES", "30000")))


@app.get("/", defaults={"path": ""})
@app.get("/<path:path>")
def page(path: str) -> Response:
    return Response(PAGE, mimetype="text/html")
