"""Residents' comments (synpunkter) on units, and "Hjälpte sidan dig?" answers."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from jamforaren.extensions import db
from jamforaren.models import Area, Comment, PageFeedback, Unit
from jamforaren.models.base import utcnow

COMMENTS_PER_HOUR = 5
MAX_PATH = 300


class RateLimited(Exception):
    """Too many comments from one client within an hour."""


@dataclass
class CommentReceipt:
    stored: bool  # False when the spam trap caught it: the sender is thanked all the same


def client_hash(secret: str, address: str | None) -> str:
    """A keyed hash of the client's address: enough to count, useless to identify anyone."""
    return hmac.new(secret.encode(), (address or "unknown").encode(), hashlib.sha256).hexdigest()


def submit_comment(unit: Unit, area: Area | None, body: str, *, name: str | None, email: str | None,
                   client: str, trap: str | None) -> CommentReceipt:
    if trap:
        return CommentReceipt(stored=False)
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(select(func.count()).select_from(Comment)
                               .where(Comment.client_hash == client, Comment.created_at >= since)) or 0
    if recent >= COMMENTS_PER_HOUR:
        raise RateLimited
    db.session.add(Comment(unit=unit, area=area, body=body.strip(), sender_name=(name or "").strip() or None,
                           sender_email=(email or "").strip() or None, client_hash=client))
    db.session.commit()
    return CommentReceipt(stored=True)


def record_page_feedback(path: str, helpful: bool) -> None:
    db.session.add(PageFeedback(path=path[:MAX_PATH], helpful=helpful))
    db.session.commit()
