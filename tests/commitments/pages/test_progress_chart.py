"""The progress chart's geometry (views/charts.py), from figures given directly."""

import datetime
import re

from commitments.choices import CommitmentStatus as S
from commitments.selectors.pages import Progress, Step
from commitments.views.charts import HEIGHT, LEFT, TOP, WIDTH, progress_chart

D = datetime.date

PROGRESS = Progress(
    statuses=((S.PLEDGED, "Pledged"), (S.SIGNED, "Signed"), (S.RATIFIED, "Ratified")),
    steps=(
        Step(D(2024, 1, 1), (4, 0, 0)),
        Step(D(2024, 7, 1), (2, 2, 0)),
        Step(D(2025, 1, 1), (0, 2, 2)),
    ),
)


def points(band):
    return [tuple(map(float, p.split(","))) for p in band.points.split()]


def test_every_band_stays_inside_the_plot():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    for band in chart.bands:
        for x, y in points(band):
            assert LEFT <= x <= WIDTH and TOP <= y <= HEIGHT


def test_the_bands_stack_from_what_is_done_upwards():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    assert [b.status for b in chart.bands] == [S.RATIFIED, S.SIGNED, S.PLEDGED]


def test_the_stack_reaches_the_top_when_every_commitment_is_counted():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    tops = [min(y for _, y in points(b)) for b in chart.bands]
    assert min(tops) == TOP


def test_a_band_is_an_outline_of_horizontal_and_vertical_edges():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    for band in chart.bands:
        outline = points(band)
        for (x1, y1), (x2, y2) in zip(outline, outline[1:] + outline[:1], strict=True):
            assert x1 == x2 or y1 == y2


def test_the_axes_name_the_first_date_and_today_and_count_up_to_the_most():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    assert chart.x_ticks[0].label == "Jan 2024" and chart.x_ticks[-1].label == "Jun 2025"
    assert chart.y_ticks[0].label == "0" and chart.y_ticks[-1].label == "4"


def test_the_description_names_the_span_and_the_latest_figures():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    assert "from 1 January 2024" in chart.desc
    assert "Since 1 January 2025: 2 signed, 2 ratified." in chart.desc


def test_the_rows_give_every_figure_with_its_total():
    chart = progress_chart(PROGRESS, title="T", today=D(2025, 6, 1))

    assert [(r.day, r.counts, r.total) for r in chart.rows] == [
        (D(2024, 1, 1), (4, 0, 0), 4),
        (D(2024, 7, 1), (2, 2, 0), 4),
        (D(2025, 1, 1), (0, 2, 2), 4),
    ]


def test_a_single_day_of_history_still_draws():
    progress = Progress(statuses=((S.PLEDGED, "Pledged"),), steps=(Step(D(2026, 1, 1), (3,)),))

    chart = progress_chart(progress, title="T", today=D(2026, 1, 1))

    assert len(chart.bands) == 1 and re.fullmatch(r"[\d., ]+", chart.bands[0].points)


def test_no_history_draws_no_bands():
    chart = progress_chart(Progress((), ()), title="T", today=D(2026, 1, 1))

    assert chart.bands == () and chart.rows == ()
    assert chart.desc == "No status changes recorded yet."


def test_the_count_axis_ticks_in_round_steps_and_ends_at_the_most():
    progress = Progress(statuses=((S.PLEDGED, "Pledged"),), steps=(Step(D(2024, 1, 1), (134,)),))

    chart = progress_chart(progress, title="T", today=D(2025, 1, 1))

    assert [t.label for t in chart.y_ticks] == ["0", "50", "100", "134"]
