"""A small applied history for the tests of /changes/ and the Atom feeds: France's air
support pledged, signed, ratified, then corrected (it came into force on 1 September
instead; France needs no parliament); Germany's sea patrol pledged and signed; and two
updates of Germany's that never reach the record: one pending review, one draft."""

import datetime
import itertools
from dataclasses import dataclass

from commitments.choices import CommitmentStatus as S
from commitments.choices import ParticipantKind
from commitments.models import Commitment, Guarantee, Participant, StatusUpdate
from commitments.services import commitment_create, update_create
from tests.commitments.records import apply
from tests.factories import AgreementFactory, GuaranteeFactory, ParticipantFactory

D = datetime.date


@dataclass
class History:
    france: Participant
    germany: Participant
    air: Guarantee
    sea: Guarantee
    french_air: Commitment
    german_sea: Commitment
    sequences: dict[str, int]
    pending: StatusUpdate
    draft: StatusUpdate


def build_history(*, analyst, reviewer) -> History:
    agreement = AgreementFactory(slug="paris", title="Paris joint statement")
    air = GuaranteeFactory(agreement=agreement, slug="air-support", title="Air support")
    sea = GuaranteeFactory(agreement=agreement, slug="sea-patrol", title="Sea patrol")
    france = ParticipantFactory(code="FR", name="France", needs_parliamentary_approval=False)
    germany = ParticipantFactory(code="DE", name="Germany")
    french_air = commitment_create(participant=france, guarantee=air, actor=None)
    german_sea = commitment_create(participant=germany, guarantee=sea, actor=None)
    people = {"author": analyst, "reviewer": reviewer}
    sequences = {}
    french_air, sequences["fr_signed"] = apply(french_air, S.SIGNED, D(2024, 4, 10), **people)
    german_sea, sequences["de_signed"] = apply(german_sea, S.SIGNED, D(2024, 4, 12), **people)
    french_air, sequences["fr_ratified"] = apply(french_air, S.RATIFIED, D(2024, 9, 20), **people)
    french_air, sequences["fr_corrected"] = apply(
        french_air, S.IN_FORCE, D(2024, 9, 1), corrects=sequences["fr_ratified"], **people
    )
    pending = update_create(
        commitment=german_sea,
        author=analyst,
        proposed_status=S.IN_PARLIAMENT,
        effective_date=D(2024, 10, 1),
        summary="Pending: the bill was tabled.",
        sources=[{"url": "https://news.example.org/pending"}],
    )
    draft = update_create(
        commitment=german_sea,
        author=analyst,
        proposed_status=S.WITHDRAWN,
        effective_date=D(2024, 11, 1),
        summary="Draft: a rumour of withdrawal.",
        sources=[{"url": "https://news.example.org/draft"}],
        draft=True,
    )
    return History(france, germany, air, sea, french_air, german_sea, sequences, pending, draft)


_numbers = itertools.count(1)


def grow(*, analyst, reviewer, participants: int) -> None:
    """More commitments, each pledged and signed, under agreements of their own; their
    participants are organisations, whose codes never meet the countries' above."""
    for _ in range(participants):
        participant = ParticipantFactory(
            code=f"ORG{next(_numbers)}", kind=ParticipantKind.ORGANISATION
        )
        commitment = commitment_create(
            participant=participant, guarantee=GuaranteeFactory(), actor=None
        )
        apply(commitment, S.SIGNED, D(2024, 5, 1), author=analyst, reviewer=reviewer)
