"""The notification outbox and the sweep lease: a restart neither loses nor repeats a reminder."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import Lease, Notification, as_utc, utcnow


def add_notification(*, session: Session, kind: str, recipient_id: int, text: str, send_at: datetime,
                     dedupe_key: str, subject: str = "") -> tuple[Notification, bool]:
    """Writes a notification unless its dedupe key exists; returns (the stored one, created)."""
    existing = session.exec(select(Notification).where(Notification.dedupe_key == dedupe_key)).first()
    if existing is not None:
        return existing, False
    notification = Notification(kind=kind, recipient_id=recipient_id, subject=subject, text=text,
                                send_at=as_utc(send_at), dedupe_key=dedupe_key)
    session.add(notification)
    try:
        session.commit()
    except IntegrityError:  # another scheduler wrote it first
        session.rollback()
        return session.exec(select(Notification).where(Notification.dedupe_key == dedupe_key)).one(), False
    return notification, True


def due_notifications(*, session: Session, now: datetime, limit: int | None = None) -> list[Notification]:
    """Unsent notifications whose send time is at or before `now`, in send-time order."""
    query = (select(Notification).where(Notification.sent_at.is_(None), Notification.send_at <= as_utc(now))
             .order_by(Notification.send_at, Notification.id))
    if limit:
        query = query.limit(limit)
    return list(session.exec(query).all())


def mark_sent(*, session: Session, notification: Notification, at: datetime | None = None) -> bool:
    """Marks it sent unless it already was (compare-and-set); False means someone else sent it."""
    result = session.execute(update(Notification).where(
        Notification.id == notification.id, Notification.sent_at.is_(None))
        .values(sent_at=as_utc(at) if at else utcnow()))
    session.commit()
    session.refresh(notification)
    return result.rowcount == 1


def acquire_lease(*, session: Session, name: str, holder: str, ttl: timedelta,
                  now: datetime | None = None) -> bool:
    """Takes or renews the named lease for `holder`; False while another holder's lease is live.

    One row per name; taking it is a conditional UPDATE (or the first INSERT), which both SQLite and
    PostgreSQL apply atomically, so two schedulers never both sweep.
    """
    now = as_utc(now) if now else utcnow()
    taken = session.execute(update(Lease).where(
        Lease.name == name, (Lease.holder == holder) | (Lease.expires_at <= now))
        .values(holder=holder, expires_at=now + ttl)).rowcount
    if taken:
        session.commit()
        return True
    if session.get(Lease, name) is not None:
        session.rollback()
        return False
    session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
    try:
        session.commit()
        return True
    except IntegrityError:
        session.rollback()
        return False


def release_lease(*, session: Session, name: str, holder: str) -> None:
    session.execute(update(Lease).where(Lease.name == name, Lease.holder == holder)
                    .values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()


# --- the distributed mode (bot/queue.py): send jobs and one rate limit per bot ---------------------

def claim_unsent(*, session: Session, ids: list[int]) -> list[Notification]:
    """Locks the unsent rows among `ids` for this transaction and returns them (send, then mark and
    commit in the same session). A row another sender holds, or one already sent, is left out: two
    senders never both have a row, and a row is never sent again once the database says it was.
    The lock ends with the transaction, so a sender killed mid-send frees its rows for a retry."""
    query = (select(Notification).where(Notification.id.in_(sorted(set(ids))), Notification.sent_at.is_(None))
             .order_by(Notification.send_at, Notification.id))
    if session.get_bind().dialect.name == "postgresql":  # the procrastinate backend's database
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query).all())


def take_token(*, session: Session, name: str, per_second: float) -> float:
    """One send from the bucket `name` (a bot), shared by every process: 0.0 when taken, else the
    seconds to wait before asking again. The bucket holds one token and refills at `per_second`,
    so sends are spaced at least 1/per_second apart in every process together."""
    from storage.models import RateBucket

    now = utcnow()
    interval = 1.0 / per_second
    bucket = session.exec(select(RateBucket).where(RateBucket.name == name).with_for_update()).first()
    if bucket is None:
        session.add(RateBucket(name=name, next_at=now + timedelta(seconds=interval)))
        try:
            session.commit()
            return 0.0
        except IntegrityError:
            session.rollback()
            return interval
    wait = (as_utc(bucket.next_at) - now).total_seconds()
    if wait > 0:
        session.rollback()
        return wait
    bucket.next_at = now + timedelta(seconds=interval)
    session.add(bucket)
    session.commit()
    return 0.0
