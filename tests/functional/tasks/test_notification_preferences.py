"""Per-person notification preferences: portal, e-mail or both per kind; the daily digest;
birthdays ahead. E-mail goes into the outbox inside the transaction; without SMTP configured
every notice stays in the portal."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models.notifications import MailMessage, NotificationSettings, notify, saved_settings
from portal.core.mail import compose_digests


@pytest.fixture
def mail_on(dbsession):
    dbsession.info["mail_enabled"] = True
    yield
    dbsession.info.pop("mail_enabled", None)


def outbox(dbsession, user):
    return [
        (m.kind, m.subject, m.status)
        for m in dbsession.scalars(
            sa.select(MailMessage).where(MailMessage.user_id == user.id).order_by(MailMessage.id)
        )
    ]


def test_preferences_are_saved_per_kind(testapp, login_as, dbsession):
    me = login_as("employee", email="me@example.com")
    page = testapp.get("/preferences/notifications")
    form = page.forms["notification-form"]
    assert form["channel_task_assigned"].value == "portal"
    form["channel_task_assigned"] = "both"
    form["channel_mention"] = "email"
    form["digest"] = True
    form["digest_hour"] = "18"
    form["birthdays_ahead"] = "7"
    form.submit("save", status=303)
    saved = saved_settings(dbsession, me.id)
    assert saved.channels == {"task_assigned": "both", "mention": "email"}
    assert (saved.default_channel, saved.digest, saved.digest_hour, saved.birthdays_ahead) == (
        "portal",
        True,
        18,
        7,
    )
    form = testapp.get("/preferences/notifications").forms["notification-form"]
    assert form["channel_mention"].value == "email" and form["digest_hour"].value == "18"


def test_e_mail_needs_an_address(testapp, login_as, dbsession):
    me = login_as("employee", email="")
    form = testapp.get("/preferences/notifications").forms["notification-form"]
    form["channel_task_due"] = "email"
    page = form.submit("save", status=400)
    assert "You have no e-mail address in the portal" in page.html.select_one("#error-default").text
    assert saved_settings(dbsession, me.id) is None


def test_unknown_channels_are_refused(testapp, login_as, dbsession):
    me = login_as("employee", email="me@example.com")
    testapp.post_csrf("/preferences/notifications", {"default_channel": "pigeon"}, status=400)
    assert saved_settings(dbsession, me.id) is None


def test_each_channel_delivers_where_the_person_wants(dbsession, factory, mail_on):
    person = factory.user(email="p@example.com")
    dbsession.add(
        NotificationSettings(
            user_id=person.id, default_channel="portal", channels={"mention": "email", "task_due": "both"}
        )
    )
    dbsession.flush()
    assert notify(dbsession, person.id, "Portal only", kind="task_assigned") is not None
    assert notify(dbsession, person.id, "Mail only", kind="mention") is None
    assert notify(dbsession, person.id, "Both", kind="task_due") is not None
    assert outbox(dbsession, person) == [("mention", "Mail only", "queued"), ("task_due", "Both", "queued")]


def test_without_smtp_or_address_everything_stays_in_the_portal(dbsession, factory):
    person = factory.user(email="p@example.com")
    dbsession.add(NotificationSettings(user_id=person.id, default_channel="email", channels={}))
    dbsession.flush()
    assert notify(dbsession, person.id, "Nothing lost", kind="mention") is not None
    assert outbox(dbsession, person) == []


def test_a_notice_given_under_a_key_is_given_once(dbsession, factory):
    person = factory.user()
    assert notify(dbsession, person.id, "Once", key="k1") is not None
    assert notify(dbsession, person.id, "Once", key="k1") is None


def test_digest_gathers_the_days_e_mails_into_one(app, dbsession, factory, mail_on):
    person = factory.user(email="d@example.com", timezone="UTC")
    dbsession.add(
        NotificationSettings(
            user_id=person.id, default_channel="email", channels={}, digest=True, digest_hour=8
        )
    )
    dbsession.flush()
    notify(dbsession, person.id, "First", body="one", kind="task_assigned")
    notify(dbsession, person.id, "Second", kind="mention")
    assert [s for *_x, s in outbox(dbsession, person)] == ["digest", "digest"]
    early = dt.datetime(2031, 5, 5, 6, 0, tzinfo=dt.UTC)
    assert compose_digests(dbsession, app.registry, now=early) == 0
    morning = dt.datetime(2031, 5, 5, 9, 0, tzinfo=dt.UTC)
    assert compose_digests(dbsession, app.registry, now=morning) == 1
    assert compose_digests(dbsession, app.registry, now=morning + dt.timedelta(hours=3)) == 0
    mails = outbox(dbsession, person)
    assert [s for *_x, s in mails] == ["included", "included", "queued"]
    digest = dbsession.scalar(
        sa.select(MailMessage).where(MailMessage.kind == "digest", MailMessage.user_id == person.id)
    )
    assert digest.subject == "Your portal digest: 2 notifications"
    assert "First" in digest.body and "Second" in digest.body


def test_the_digest_links_are_absolute_addresses_of_the_portal(app, dbsession, factory, mail_on, monkeypatch):
    monkeypatch.setitem(app.registry.settings, "portal.base_url", "https://portal.progress.example/")
    person = factory.user(email="d@example.com", timezone="UTC")
    dbsession.add(
        NotificationSettings(user_id=person.id, default_channel="email", channels={}, digest=True,
                             digest_hour=8)
    )
    dbsession.flush()
    notify(dbsession, person.id, "Задача поручена", url="/tasks/7", kind="task_assigned")
    assert compose_digests(dbsession, app.registry, now=dt.datetime(2031, 5, 5, 9, 0, tzinfo=dt.UTC)) == 1
    digest = dbsession.scalar(
        sa.select(MailMessage).where(MailMessage.kind == "digest", MailMessage.user_id == person.id)
    )
    assert "\n  https://portal.progress.example/tasks/7" in digest.body
    assert "\n  /tasks/7" not in digest.body
