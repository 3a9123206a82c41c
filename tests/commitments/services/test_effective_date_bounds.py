"""An update's effective date is not before the pledge nor before the current status's date:
checked when the update is written, edited, submitted and approved."""

import datetime

import pytest

from commitments.choices import CommitmentStatus as S
from commitments.choices import UpdateState
from commitments.exceptions import ValidationFailed
from commitments.models import AuditEvent, Commitment
from commitments.selectors import commitments_as_of
from commitments.services import update_approve, update_create, update_edit
from tests.commitments.records import apply, pledge
from tests.factories import StatusUpdateFactory

pytestmark = pytest.mark.django_db

D = datetime.date
SOURCES = [{"url": "https://news.example.org/report"}]


def propose(commitment, author, status, day, **fields):
    return update_create(
        commitment=commitment,
        author=author,
        proposed_status=status,
        effective_date=day,
        summary="Reported.",
        sources=SOURCES,
        **fields,
    )


def test_an_effective_date_before_the_pledge_is_refused_when_the_update_is_written(analyst):
    commitment = pledge()
    events = AuditEvent.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        propose(commitment, analyst, S.SIGNED, D(1900, 1, 1))

    assert refused.value.fields["effective_date"] == [
        "The effective date cannot be before 2024-03-15, when it was pledged."
    ]
    assert AuditEvent.objects.count() == events
    assert not commitment.updates.exists()


def test_an_effective_date_before_the_current_status_date_is_refused_when_written(
    analyst, reviewer
):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 5, 1), author=analyst, reviewer=reviewer)

    with pytest.raises(ValidationFailed) as refused:
        propose(commitment, analyst, S.IN_PARLIAMENT, D(2024, 4, 1))

    assert (
        "before 2024-05-01, the date of the current status (signed)"
        in (refused.value.fields["effective_date"][0])
    )
    assert not commitment.updates.filter(proposed_status=S.IN_PARLIAMENT).exists()


def test_a_correction_of_the_current_status_cannot_go_back_past_the_status_before_it(
    analyst, reviewer
):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer)
    commitment, _ = apply(
        commitment, S.IN_PARLIAMENT, D(2024, 5, 1), author=analyst, reviewer=reviewer
    )

    with pytest.raises(ValidationFailed) as refused:
        propose(
            commitment,
            analyst,
            S.RATIFIED,
            D(2024, 4, 1),
            is_correction=True,
            correction_reason="It was ratified without a vote.",
        )

    assert "before 2024-04-10" in refused.value.fields["effective_date"][0]


def test_a_correction_of_the_current_status_supersedes_it_from_the_status_before_it(
    analyst, reviewer
):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 4, 10), author=analyst, reviewer=reviewer)
    commitment, tabled = apply(
        commitment, S.IN_PARLIAMENT, D(2024, 5, 1), author=analyst, reviewer=reviewer
    )

    commitment, _ = apply(
        commitment, S.RATIFIED, D(2024, 4, 20), author=analyst, reviewer=reviewer, correction=True
    )

    assert commitment.updates.get(proposed_status=S.RATIFIED).corrects_id == tabled
    assert (commitment.ratified_on, commitment.in_parliament_on) == (D(2024, 4, 20), None)
    assert commitments_as_of(day=D(2024, 5, 15)).get(pk=commitment.pk).status_on == S.RATIFIED


def test_editing_a_draft_to_a_date_before_the_current_status_is_refused(analyst, reviewer):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 5, 1), author=analyst, reviewer=reviewer)
    draft = propose(commitment, analyst, S.IN_PARLIAMENT, D(2024, 6, 1), draft=True)

    with pytest.raises(ValidationFailed) as refused:
        update_edit(update=draft, author=analyst, effective_date=D(2024, 4, 1))

    assert "effective_date" in refused.value.fields
    draft.refresh_from_db()
    assert draft.effective_date == D(2024, 6, 1)


def test_an_update_written_before_the_bound_existed_is_refused_at_approval(analyst, reviewer):
    commitment, _ = apply(pledge(), S.SIGNED, D(2024, 5, 1), author=analyst, reviewer=reviewer)
    # Submitted before the bound was checked when an update is written: it is already there.
    update = StatusUpdateFactory(
        commitment=commitment, proposed_status=S.IN_PARLIAMENT, effective_date=D(2024, 4, 1)
    )

    with pytest.raises(ValidationFailed) as refused:
        update_approve(update=update, reviewer=reviewer)

    assert "before 2024-05-01" in refused.value.fields["effective_date"][0]
    live = Commitment.objects.get(pk=commitment.pk)
    assert (live.status, live.status_date, live.in_parliament_on) == (
        S.SIGNED,
        D(2024, 5, 1),
        None,
    )
    update.refresh_from_db()
    assert update.state == UpdateState.SUBMITTED
