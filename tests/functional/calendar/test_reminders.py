"""Reminders: fired by `portal tick` once per occurrence, to everyone who has not declined."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from models.calendar import EventReminder
from models.meta import utcnow
from models.notifications import Notification


def reminders_of(dbsession, user):
    return list(
        dbsession.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.kind == "reminder_event"
            )
        )
    )


def run_job(request_for):
    from portal.calendar.reminders import send_event_reminders

    return send_event_reminders(request_for(None))


def test_a_reminder_fires_once_for_each_occurrence(factory, cal, dbsession, request_for, monkeypatch):
    me = factory.user()
    guest = factory.user()
    declined = factory.user()
    start = (utcnow() + dt.timedelta(minutes=10)).replace(microsecond=0)
    event = cal.event(
        me,
        "Планёрка",
        start=start,
        rrule="FREQ=DAILY;COUNT=3",
        reminder_minutes=15,
        user_ids=[guest.id, declined.id],
    )
    event.attendee_for(declined.id).answer = "declined"
    dbsession.flush()
    row = dbsession.scalar(sa.select(EventReminder).where(EventReminder.event_id == event.id))
    assert row.occurrence_start == start and row.fire_at == start - dt.timedelta(minutes=15)
    assert run_job(request_for) == 2
    assert run_job(request_for) == 0
    assert [n.title for n in reminders_of(dbsession, guest)] == ["Reminder: Планёрка"]
    assert reminders_of(dbsession, declined) == []
    dbsession.refresh(row)  # the tick moves the row on with a plain UPDATE
    assert row.occurrence_start == start + dt.timedelta(days=1)
    # A day later the next occurrence is reminded of, once.
    import portal.calendar.reminders as jobs

    later = utcnow() + dt.timedelta(days=1)
    monkeypatch.setattr(jobs, "utcnow", lambda: later)
    import portal.calendar.changes as changes

    monkeypatch.setattr(changes, "utcnow", lambda: later)
    assert run_job(request_for) == 2
    assert run_job(request_for) == 0
    assert len(reminders_of(dbsession, guest)) == 2


def test_a_cancelled_event_or_one_without_reminder_has_no_reminder(factory, cal, dbsession, request_for, app):
    from portal.calendar.changes import cancel_event

    me = factory.user()
    start = utcnow() + dt.timedelta(minutes=5)
    cal.event(me, "Без напоминания", start=start)
    cancelled = cal.event(me, "Отменено", start=start, reminder_minutes=30, user_ids=[factory.user().id])
    cancel_event(dbsession, me, cancelled, registry=app.registry)
    assert dbsession.scalar(sa.select(sa.func.count()).select_from(EventReminder)) == 0
    assert run_job(request_for) == 0


def test_a_reminder_goes_by_e_mail_to_those_who_want_reminders_by_e_mail(
    factory, cal, dbsession, request_for
):
    from models.notifications import MailMessage, NotificationSettings

    me = factory.user()
    by_mail = factory.user(email="anna@example.com")
    dbsession.add(NotificationSettings(user_id=by_mail.id, default_channel="portal",
                                       channels={"reminder": "email"}))
    dbsession.info["mail_enabled"] = True
    try:
        start = (utcnow() + dt.timedelta(minutes=10)).replace(microsecond=0)
        cal.event(me, "Совещание", start=start, reminder_minutes=15, user_ids=[by_mail.id])
        assert run_job(request_for) == 1  # the organizer's, in the portal
        mails = dbsession.scalars(sa.select(MailMessage).where(MailMessage.user_id == by_mail.id)).all()
        assert [(m.subject, m.to_addr, m.status) for m in mails] == [
            ("Reminder: Совещание", "anna@example.com", "queued")]
        assert reminders_of(dbsession, by_mail) == []
    finally:
        dbsession.info.pop("mail_enabled", None)
