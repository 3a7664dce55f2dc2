"""The residents' portal."""

from flask import Blueprint

bp = Blueprint("public", __name__)

from jamforaren.public import views  # noqa: E402,F401
