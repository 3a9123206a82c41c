"""E-mail subjects and text bodies are plain text: names read as written there, and stay
escaped in the HTML body."""

import pytest

from commitments import notifications
from commitments.choices import NotificationKind
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db


def status_changed_email(participant: str):
    data = {
        "participant": {"name": participant},
        "guarantee": {"title": "Air policing"},
        "before": {"status": "signed"},
        "after": {"status": "ratified"},
        "update": {"id": 7, "proposed_status": "ratified", "summary": "Voted."},
    }
    kind = NotificationKind.STATUS_CHANGED
    notification = NotificationFactory.build(
        kind=kind, data=data, title=notifications.title_for(kind, data)
    )
    return notifications.render_email(notification)


def test_a_subject_shows_an_apostrophe_in_a_participants_name_as_written():
    message = status_changed_email("Côte d'Ivoire")

    assert message.subject == "[Commitment Tracker] Côte d'Ivoire · Air policing: signed → ratified"


def test_markup_in_a_name_is_text_in_the_subject_and_stays_escaped_in_the_html_body():
    message = status_changed_email("<b>Bold</b> Land")

    html = message.alternatives[0].content
    assert message.subject.startswith("[Commitment Tracker] <b>Bold</b> Land · ")
    assert "&lt;b&gt;Bold&lt;/b&gt; Land" in html
    assert "<b>Bold</b>" not in html
