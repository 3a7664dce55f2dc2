"""Sign-in attempts (inloggningsförsök): what the rate limit and the lock-out count.

Rows hold keyed hashes only (of the normalised e-mail address and of the client's address, keyed with
SECRET_KEY), never the address typed or the password. They are kept in the database so that every worker and
host counts the same attempts, are pruned once older than the longest period the rules look back, and never
go into the audit log (see ``jamforaren.audit.UNAUDITED_TABLES``).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from jamforaren.models.base import Base, str_enum, utcnow


class AttemptOutcome(enum.StrEnum):
    SUCCESS = "success"  # signed in
    FAILURE = "failure"  # a wrong password, or an e-mail address without an account
    LOCKED = "locked"    # refused unchecked: the e-mail address was locked out


class SignInAttempt(Base):
    __tablename__ = "sign_in_attempt"
    __table_args__ = (
        Index("ix_sign_in_attempt_email", "email_hash", "attempted_at"),
        Index("ix_sign_in_attempt_address", "address_hash", "attempted_at"),
        Index("ix_sign_in_attempt_attempted_at", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    address_hash: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)
    outcome: Mapped[AttemptOutcome] = mapped_column(str_enum(AttemptOutcome, "attempt_outcome"))
