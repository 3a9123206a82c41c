"""E-mail: sent after the commit, retried when the mail server fails, daily digests, and
reminders to reviewers of updates waiting more than three days."""

import datetime

import pytest
from django.utils import timezone

from accounts.roles import Role
from commitments import notifications
from commitments.choices import DeliveryState, NotificationChannel, NotificationKind
from commitments.models import Notification
from commitments.tasks import remind_reviewers, requeue_owed, send_daily_digests
from tests.factories import NotificationFactory, StatusUpdateFactory, UserFactory

pytestmark = pytest.mark.django_db


def email_owed(**fields):
    return NotificationFactory(
        channel=NotificationChannel.EMAIL,
        state=DeliveryState.PENDING,
        data={"participant": {"name": "France"}, "guarantee": {"title": "Air"}},
        **fields,
    )


def test_a_failing_mail_server_leaves_the_email_owed_with_a_later_retry(settings, mailoutbox):
    settings.MAILERS = {
        "default": {"BACKEND": "tests.commitments.notifications.test_email.BrokenMailer"}
    }
    row = email_owed()

    notifications.emails_send(notification_ids=[row.pk])

    row.refresh_from_db()
    assert mailoutbox == []
    assert (row.state, row.attempt_count) == (DeliveryState.PENDING, 1)
    assert "mail server down" in row.last_error
    assert row.next_attempt_at > timezone.now()


class BrokenMailer:
    def __init__(self, **kwargs):
        pass

    def open(self):
        raise ConnectionRefusedError("mail server down")

    def close(self):
        pass


def test_the_sweep_sends_an_email_left_owed(settings, mailoutbox):
    settings.NOTIFY_REQUEUE_AFTER_SECONDS = 0
    row = email_owed(next_attempt_at=timezone.now() - datetime.timedelta(minutes=5))

    requeue_owed.delay()

    row.refresh_from_db()
    assert row.state == DeliveryState.DELIVERED
    assert [m.to for m in mailoutbox] == [[row.recipient.email]]


def test_the_daily_digest_sends_one_email_per_subscriber_once(mailoutbox):
    ana, bob = UserFactory(username="ana_d"), UserFactory(username="bob_d")
    for user, n in ((ana, 3), (bob, 1)):
        NotificationFactory.create_batch(
            n, recipient=user, channel=NotificationChannel.DIGEST, state=DeliveryState.PENDING
        )

    send_daily_digests.delay()
    send_daily_digests.delay()

    assert sorted((m.to[0], m.subject.split("]")[1].split("·")[0].strip()) for m in mailoutbox) == [
        ("ana_d@example.org", "3 status changes"),
        ("bob_d@example.org", "1 status change"),
    ]
    assert not Notification.objects.filter(state=DeliveryState.PENDING).exists()


def test_reviewers_are_reminded_once_a_day_of_updates_waiting_more_than_three_days(
    mailoutbox,
):
    reviewer = UserFactory(username="slow", roles=[Role.REVIEWER])
    days_ago = timezone.now() - datetime.timedelta(days=4)
    waiting = StatusUpdateFactory(submitted_at=days_ago)
    StatusUpdateFactory()  # submitted just now: not yet a reminder
    StatusUpdateFactory(submitted_at=days_ago, proposed_by=reviewer)  # their own

    remind_reviewers.delay()
    remind_reviewers.delay()

    reminder = Notification.objects.get(
        recipient=reviewer, kind=NotificationKind.REVIEW_REMINDER, channel="in_app"
    )
    assert [u["id"] for u in reminder.data["updates"]] == [waiting.pk]
    assert [m.to for m in mailoutbox] == [["slow@example.org"]]
    assert "more than 3 days" in mailoutbox[0].subject


def test_every_kind_renders_a_subject_a_text_and_an_html_body():
    data = {
        "participant": {"name": "France"},
        "guarantee": {"title": "Air policing"},
        "before": {"status": "signed"},
        "after": {"status": "ratified"},
        "update": {"id": 7, "proposed_status": "ratified", "summary": "Voted."},
        "updates": [{"id": 7, "commitment": "France · Air policing"}],
        "days": 3,
        "url": "https://hooks.example.org/x",
        "reason": "Failing.",
    }
    for kind in NotificationKind.values:
        notification = NotificationFactory.build(
            kind=kind, data=data, title=notifications.title_for(kind, data)
        )

        message = notifications.render_email(notification)

        assert message.subject.startswith("[Commitment Tracker]")
        assert "\n" not in message.subject
        assert message.body.strip()
        assert "<html" in message.alternatives[0].content
