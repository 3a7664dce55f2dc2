"""HTTP caching of the open data: a strong ETag from the body, Last-Modified from the data, 304 on
revalidation, and a short public Cache-Control.

- ``ETag`` is a SHA-256 of the exact body, so it changes whenever what the response says changes (a survey
  import, a published follow-up, a renamed unit) and never otherwise.
- ``Last-Modified`` is when the public data last changed (``open_data.data_changed_at``: the newest audit
  event, which every commit writes, imports and seeding included). It is one date for every resource, so
  it may say "changed" when only another resource did; clients that want exact answers use the ETag
  (``If-None-Match`` takes precedence over ``If-Modified-Since``).
- ``Cache-Control: public, max-age=60``: the data are public, and a minute old is fresh enough.
- ``Vary: Accept`` (406 or not), and the application adds ``Accept-Language`` and ``Cookie`` (problem
  titles and the CSV delimiter follow the reader's language).
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from werkzeug.wrappers import Response

from jamforaren.services.open_data import data_changed_at

DEFAULT_MAX_AGE = 60


def strong_etag(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:40]


def cacheable(response: Response) -> Response:
    """Add the validators and Cache-Control to a 200 response and answer 304 when the client's copy is
    still good."""
    response.set_etag(strong_etag(response.get_data()), weak=False)
    changed = data_changed_at()
    if changed is not None:
        response.last_modified = changed.replace(microsecond=0)
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config.get("API_MAX_AGE", DEFAULT_MAX_AGE)
    response.vary.add("Accept")
    response.make_conditional(request)
    if response.status_code == 304:
        response.set_data(b"")
        for header in ("Content-Type", "Content-Length", "Content-Disposition"):
            response.headers.pop(header, None)
    return response
