"""A search index write that fails (here its commit) is given up cleanly: its write lock is released, so the next
change is written to the index at once instead of every later write waiting for a lock nobody will release."""

from __future__ import annotations

import time

from whoosh.writing import SegmentWriter

from jamforaren.indexing import REQUEST_WRITE_TIMEOUT
from tests.conftest import OFFICER_EDUCATION, csrf_token, sign_in
from tests.security_support import find_demo
from tests.test_admin_followups import form_fields
from tests.test_search_pages import hits


def rename(client, unit_id: int, name: str):  # type: ignore[no-untyped-def]
    path = f"/admin/enheter/{unit_id}"
    fields = form_fields(client, path)
    fields.update({"namn": [name], "csrf_token": [csrf_token(client, path)]})
    return client.post(path, data=fields)


def test_a_failed_index_commit_releases_the_write_lock(fresh_app, monkeypatch, caplog):  # type: ignore[no-untyped-def]
    client = fresh_app.test_client()
    sign_in(client, OFFICER_EDUCATION)
    demo = find_demo(fresh_app)
    assert hits(client, "förskola")  # the index is built

    commit = SegmentWriter.commit

    def failing_commit(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("No space left on device")

    monkeypatch.setattr(SegmentWriter, "commit", failing_commit)
    assert rename(client, demo.unit_id, "Fyrtornets förskola").status_code == 303  # the database has it
    assert "could not update the search index" in caplog.text
    monkeypatch.setattr(SegmentWriter, "commit", commit)

    started = time.monotonic()
    assert rename(client, demo.unit_id, "Kompassrosens förskola").status_code == 303
    # Not waiting for the lock: a request waits up to 5 s for it (indexing.REQUEST_WRITE_TIMEOUT), then gives up.
    assert time.monotonic() - started < REQUEST_WRITE_TIMEOUT - 0.5
    assert demo.unit_slug in hits(client, "Kompassrosens")
