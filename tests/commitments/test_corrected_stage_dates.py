"""The stage dates a correction leaves follow the ladder (workflow.TRANSITIONS)."""

import datetime

from commitments.choices import CommitmentStatus as S
from commitments.workflow import corrected_stage_dates

D = datetime.date


def test_a_correction_down_to_in_parliament_clears_ratified_and_in_force_but_keeps_rejected():
    dates = {
        "pledged_on": D(2024, 3, 15),
        "signed_on": D(2024, 4, 1),
        "in_parliament_on": D(2024, 5, 1),
        "rejected_on": D(2024, 6, 1),
        "ratified_on": D(2024, 7, 1),
        "in_force_on": D(2024, 8, 1),
        "withdrawn_on": None,
    }

    corrected = corrected_stage_dates(dates, S.IN_PARLIAMENT, D(2024, 9, 1))

    assert corrected == {
        **dates,
        "in_parliament_on": D(2024, 9, 1),
        "ratified_on": None,
        "in_force_on": None,
    }
