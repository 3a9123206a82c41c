"""The progress chart's geometry: a stacked step chart, drawn on the server as SVG.

Only geometry and words live here; the figures come from selectors.status_counts_over_time
and the template (partials/_progress_chart.html) draws them. Colours come from the status
classes of static/tracker.css, so the chart, the legend and the badges always agree.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments.choices import CommitmentStatus as S
from commitments.selectors.pages import Progress, Step

WIDTH, HEIGHT = 720, 280
# Bands from the bottom up: what is done sits on the axis, so its height reads as a count.
STACK_ORDER: tuple[str, ...] = (
    S.IN_FORCE,
    S.RATIFIED,
    S.IN_PARLIAMENT,
    S.SIGNED,
    S.PLEDGED,
    S.REJECTED,
    S.WITHDRAWN,
)
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 12, 36  # margins, for the axes' labels


@dataclass(frozen=True)
class Band:
    status: str
    label: str
    points: str  # an SVG polygon's points


@dataclass(frozen=True)
class Tick:
    at: float  # x or y in the SVG's units
    label: str
    anchor: str = "middle"  # the label's text-anchor


@dataclass(frozen=True)
class Row:
    """One row of the figures' table: a date and the count at each status."""

    day: date
    counts: tuple[int, ...]
    total: int


@dataclass(frozen=True)
class Chart:
    id: str  # prefix of the SVG's title and desc ids, unique on the page
    title: str
    desc: str
    statuses: tuple[tuple[str, str], ...]
    bands: tuple[Band, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    rows: tuple[Row, ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    y_label_x: int = LEFT - 6  # where the counts' labels end
    x_label_y: int = HEIGHT - BOTTOM + 20  # the dates' labels' baseline


def progress_chart(progress: Progress, *, title: str, today: date, id: str = "progress") -> Chart:
    """The chart of `progress`, its last step drawn up to `today` (or a day, if later)."""
    steps = progress.steps
    rows = tuple(Row(s.day, s.counts, s.total) for s in steps)
    if not steps:
        return Chart(id, title, _("No status changes recorded yet."), (), (), (), (), rows)
    start = steps[0].day
    end = max(steps[-1].day, today, start + timedelta(days=1))
    top_count = max(s.total for s in steps) or 1

    def x(day: date) -> float:
        return round(LEFT + (day - start).days / (end - start).days * (WIDTH - LEFT - RIGHT), 1)

    def y(count: int) -> float:
        return round(HEIGHT - BOTTOM - count / top_count * (HEIGHT - BOTTOM - TOP), 1)

    edges = [x(s.day) for s in steps] + [x(end)]
    bands = []
    column = {status: k for k, (status, _label) in enumerate(progress.statuses)}
    stacked = sorted(progress.statuses, key=lambda pair: STACK_ORDER.index(pair[0]))
    lower = [0] * len(steps)
    for status, label in stacked:
        upper = [low + s.counts[column[status]] for low, s in zip(lower, steps, strict=True)]
        top_edge = [
            point for i, u in enumerate(upper) for point in ((edges[i], y(u)), (edges[i + 1], y(u)))
        ]
        bottom_edge = [
            point
            for i in reversed(range(len(lower)))
            for point in ((edges[i + 1], y(lower[i])), (edges[i], y(lower[i])))
        ]
        points = " ".join(f"{px:g},{py:g}" for px, py in _simplified(top_edge + bottom_edge))
        bands.append(Band(status, label, points))
        lower = upper

    return Chart(
        id=id,
        title=title,
        desc=_describe(progress, start=start, top_count=top_count),
        statuses=progress.statuses,
        bands=tuple(bands),
        x_ticks=_x_ticks([(x(day), date_format(day, "M Y")) for day in _x_days(start, end)]),
        y_ticks=tuple(Tick(y(n), str(n), "end") for n in _y_counts(top_count)),
        rows=rows,
    )


def _simplified(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """The outline without repeated points, nor points in the middle of a straight edge (a
    step chart's edges are all horizontal or vertical)."""
    kept: list[tuple[float, float]] = []
    for point in points:
        if kept and point == kept[-1]:
            continue
        if len(kept) >= 2 and (
            kept[-2][0] == kept[-1][0] == point[0] or kept[-2][1] == kept[-1][1] == point[1]
        ):
            kept[-1] = point
        else:
            kept.append(point)
    return kept


def _describe(progress: Progress, *, start: date, top_count: int) -> str:
    last: Step = progress.steps[-1]
    parts = ", ".join(
        f"{n} {label.lower()}"
        for (_status, label), n in zip(progress.statuses, last.counts, strict=True)
        if n
    )
    return _(
        "Stacked step chart of how many commitments stood at each status, from %(start)s "
        "(first recorded status) to %(end)s (last change), at most %(top)s at once. "
        "Since %(end)s: %(parts)s. The table below gives every figure."
    ) % {
        "start": date_format(start, "j F Y"),
        "end": date_format(last.day, "j F Y"),
        "top": ngettext("%d commitment", "%d commitments", top_count) % top_count,
        "parts": parts,
    }


def _x_ticks(ticks: list[tuple[float, str]]) -> tuple[Tick, ...]:
    """The first label starts at its tick and the last ends at its own: both stay inside."""
    last = len(ticks) - 1
    return tuple(
        Tick(at, label, "start" if i == 0 else "end" if i == last else "middle")
        for i, (at, label) in enumerate(ticks)
    )


def _y_counts(top: int) -> list[int]:
    """Whole-number ticks from 0 to `top` in round steps (1, 2 or 5 times a power of ten, at
    most five ticks), and `top` itself where it is not too near the last of them."""
    step = next(n * 10**k for k in range(12) for n in (1, 2, 5) if top / (n * 10**k) <= 4)
    counts = list(range(0, top, step))
    if len(counts) > 1 and top - counts[-1] <= step / 2:
        counts.pop()
    return [*counts, top]


def _x_days(start: date, end: date) -> list[date]:
    """The start, the end, and the first of January of each year between, where they do not
    crowd each other (at least a tenth of the axis apart)."""
    span = (end - start).days
    days = [start]
    for year in range(start.year + 1, end.year + 1):
        day = date(year, 1, 1)
        if (day - days[-1]).days > span / 10 and (end - day).days > span / 10:
            days.append(day)
    return [*days, end]
