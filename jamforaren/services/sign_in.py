"""Sign-in protection: a rate limit per client address and a temporary lock-out per e-mail address, that
reveal nothing about which accounts exist.

Every checked password is a row in ``sign_in_attempt`` (keyed hashes of the normalised e-mail address and
of the client's address, the time and the outcome), so every worker and host counts the same attempts.

- **Per e-mail address** (whether or not there is an account for it): ``SIGN_IN_MAX_FAILURES`` failures
  within ``SIGN_IN_WINDOW_SECONDS`` (after its last successful sign-in) lock it for
  ``SIGN_IN_LOCKOUT_SECONDS``. During the lock-out the password is not even checked: a correct one is refused
  too, with the same answer whether the account exists or not. The start of a lock-out is a named audit
  event (``locked``, entity ``user``, with the account's id when there is one); the attempts are not.
- **Per client address**: ``SIGN_IN_MAX_FAILURES_PER_ADDRESS`` failures (wrong passwords and attempts at
  locked addresses) within the window refuse every further attempt from that address until the oldest
  falls out of the window (HTTP 429 with ``Retry-After``). Those refusals are not counted.
- A wrong password and an unknown e-mail address take the same path and the same time: a dummy password
  hash is checked when there is no account.

Attempts older than the longest period the rules look back are deleted on every new attempt. ``now`` is the
clock; tests replace it.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from jamforaren import audit
from jamforaren.extensions import db
from jamforaren.models import AttemptOutcome, SignInAttempt, User


def now() -> datetime:
    return datetime.now(UTC)


class Refused(StrEnum):
    ADDRESS = "address"  # too many failures from the client's address
    ACCOUNT = "account"  # the e-mail address is locked out


@dataclass(frozen=True)
class Outcome:
    """``user`` when the password was right; ``refused`` with ``retry_after`` seconds when not checked or
    when this failure started a lock-out; neither for a plain wrong password or unknown e-mail address."""

    user: User | None = None
    refused: Refused | None = None
    retry_after: int = 0


@dataclass(frozen=True)
class Limits:
    max_failures: int
    window: timedelta
    lockout: timedelta
    max_failures_per_address: int

    @classmethod
    def configured(cls) -> Limits:
        config = current_app.config
        return cls(config["SIGN_IN_MAX_FAILURES"], timedelta(seconds=config["SIGN_IN_WINDOW_SECONDS"]),
                   timedelta(seconds=config["SIGN_IN_LOCKOUT_SECONDS"]), config["SIGN_IN_MAX_FAILURES_PER_ADDRESS"])


def client_address(remote_addr: str | None, forwarded_for: str | None) -> str:
    """The client's address: the connection's, or with ``TRUSTED_PROXIES`` reverse proxies in front the one
    the outermost of them reports in X-Forwarded-For (what the client itself adds there is not trusted)."""
    trusted = current_app.config["TRUSTED_PROXIES"]
    if trusted:
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        if len(hops) >= trusted:
            return hops[-trusted]
    return remote_addr or "unknown"


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _keyed(kind: str, value: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)  # SQLite drops the zone


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


_dummy_hash: str | None = None


def _check_dummy(password: str) -> None:
    """Spend the time of a real password check, for an e-mail address without an account."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = generate_password_hash("not-a-password-of-anyone")
    check_password_hash(_dummy_hash, password)


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail address and password, in the same time whether or not it exists."""
    user = user_by_email(email)
    if user is None:
        _check_dummy(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


# --- The counts -------------------------------------------------------------------------------------------

def address_retry_after(address_key: str, moment: datetime, limits: Limits) -> int | None:
    """Seconds until the address may try again, or None when it may now."""
    newest = db.session.scalars(
        select(SignInAttempt.attempted_at)
        .where(SignInAttempt.address_hash == address_key, SignInAttempt.attempted_at > moment - limits.window,
               SignInAttempt.outcome != AttemptOutcome.SUCCESS)
        .order_by(SignInAttempt.attempted_at.desc()).limit(limits.max_failures_per_address)).all()
    if len(newest) < limits.max_failures_per_address:
        return None
    return _seconds(_utc(newest[-1]) + limits.window - moment)  # when the oldest of them leaves the window


def locked_until(email_key: str, moment: datetime, limits: Limits) -> datetime | None:
    """The end of the e-mail address's current lock-out, or None."""
    rows = db.session.execute(
        select(SignInAttempt.attempted_at, SignInAttempt.outcome)
        .where(SignInAttempt.email_hash == email_key,
               SignInAttempt.attempted_at > moment - limits.window - limits.lockout,
               SignInAttempt.outcome != AttemptOutcome.LOCKED)
        .order_by(SignInAttempt.attempted_at, SignInAttempt.id)).all()
    until: datetime | None = None
    failures: deque[datetime] = deque()
    for attempted_at, outcome in rows:
        if outcome is AttemptOutcome.SUCCESS:
            failures.clear()
            continue
        at = _utc(attempted_at)
        failures.append(at)
        while at - failures[0] >= limits.window:
            failures.popleft()
        if len(failures) >= limits.max_failures:
            until = at + limits.lockout  # a lock-out starts afresh: the failures before it are spent
            failures.clear()
    return until if until is not None and until > moment else None


def _record(email_key: str, address_key: str, moment: datetime, outcome: AttemptOutcome, limits: Limits) -> None:
    db.session.add(SignInAttempt(email_hash=email_key, address_hash=address_key, attempted_at=moment,
                                 outcome=outcome))
    db.session.execute(delete(SignInAttempt).where(
        SignInAttempt.attempted_at < moment - limits.window - limits.lockout
    ).execution_options(synchronize_session=False))  # prune what no rule looks at any more
    db.session.flush()


def _record_lock_out(email: str, until: datetime, limits: Limits) -> None:
    user = user_by_email(email)
    changes: dict[str, object] = {"locked_until": until.isoformat(), "failed_attempts": limits.max_failures}
    if user is not None:
        changes = {"email": user.email, **changes}
    audit.record(db.session, "locked", "user", user.id if user else None, changes)


# --- Attempts -----------------------------------------------------------------------------------------------

def attempt(email: str, password: str, address: str) -> Outcome:
    """Sign in with an e-mail address and a password from a client address; commits what it records."""
    def check() -> User | None:
        return authenticate(email, password)
    return _attempt(email, address, check, signing_in=True)


def confirm_password(user: User, password: str, address: str) -> Outcome:
    """A signed-in user's current password, asked again before a change: counted like a sign-in, so a
    session in the wrong hands cannot be used to guess it."""
    def check() -> User | None:
        return user if user.check_password(password) else None
    return _attempt(user.email, address, check, signing_in=False)


def _attempt(email: str, address: str, check: Callable[[], User | None], *, signing_in: bool) -> Outcome:
    limits = Limits.configured()
    moment = now()
    email_key = _keyed("email", normalise_email(email))
    address_key = _keyed("address", address)

    retry = address_retry_after(address_key, moment, limits)
    if retry is not None:
        return Outcome(refused=Refused.ADDRESS, retry_after=retry)
    until = locked_until(email_key, moment, limits)
    if until is not None:
        _record(email_key, address_key, moment, AttemptOutcome.LOCKED, limits)
        db.session.commit()
        return Outcome(refused=Refused.ACCOUNT, retry_after=_seconds(until - moment))

    user = check()
    if user is None:
        _record(email_key, address_key, moment, AttemptOutcome.FAILURE, limits)
        until = locked_until(email_key, moment, limits)  # this failure may have started a lock-out
        if until is not None:
            _record_lock_out(email, until, limits)
        db.session.commit()
        if until is not None:
            return Outcome(refused=Refused.ACCOUNT, retry_after=_seconds(until - moment))
        return Outcome()

    with audit.acting_as(user.email, user.id):  # signing in is the user's own act
        _record(email_key, address_key, moment, AttemptOutcome.SUCCESS, limits)
        if signing_in:
            user.last_login_at = moment
        db.session.commit()
    return Outcome(user=user)
