"""The matrix at `/`: one agreement, participants by guarantees, now or on any date; and its
exports. Every view is a link: the agreement, the filters and the dates live in the query
string."""

import datetime
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import View

from commitments import exports, selectors
from commitments.choices import CommitmentStatus
from commitments.filters import MatrixFilter
from commitments.models import Agreement, Commitment

# What each status means, for the legend.
LEGEND = {
    CommitmentStatus.PLEDGED: "promised in the agreement",
    CommitmentStatus.SIGNED: "signed by the government",
    CommitmentStatus.IN_PARLIAMENT: "before the approving body",
    CommitmentStatus.RATIFIED: "ratified, accepted or approved",
    CommitmentStatus.IN_FORCE: "binding on the participant",
    CommitmentStatus.REJECTED: "refused by the approving body",
    CommitmentStatus.WITHDRAWN: "withdrawn or denounced",
}


class BadQuery(Exception):
    """The query string names something that does not exist: a 400 saying what."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class MatrixQuery:
    agreement: Agreement | None
    agreements: list[Agreement]
    filterset: MatrixFilter
    arguments: dict


def _long(day: datetime.date) -> str:
    return dateformat.format(day, "j F Y")


def read_query(request: HttpRequest) -> MatrixQuery:
    """The checked query string. Raises BadQuery (a 400) for a malformed, impossible or
    unknown value and a date the record cannot speak of; Http404 for an unknown agreement."""
    filterset = MatrixFilter(request.GET, queryset=Commitment.objects.none())
    # Each parameter names one value: a second one would silently win over the first.
    if repeated := [
        name
        for name, values in request.GET.lists()
        if name in filterset.form.fields and len(values) > 1
    ]:
        raise BadQuery([(name, str(_("Give this parameter once."))) for name in repeated])
    if not filterset.is_valid():
        raise BadQuery(
            [
                (name, str(message))
                for name, messages in filterset.errors.items()
                for message in messages
            ]
        )
    arguments = filterset.matrix_arguments()
    agreements = selectors.matrix_agreements()
    slug = filterset.form.cleaned_data.get("agreement")
    if slug:
        agreement = next((a for a in agreements if a.slug == slug), None)
        if agreement is None:
            raise Http404(_("No agreement %(slug)s.") % {"slug": slug})
    else:
        agreement = agreements[0] if agreements else None
    _check_dates(agreement, arguments["as_of"], arguments["known_on"])
    return MatrixQuery(
        agreement=agreement, agreements=agreements, filterset=filterset, arguments=arguments
    )


def _check_dates(
    agreement: Agreement | None, as_of: datetime.date | None, known_on: datetime.date | None
) -> None:
    errors = []
    if known_on is not None and known_on > timezone.localdate():
        errors.append(
            (
                "known_on",
                _("%(day)s is in the future: the record cannot yet say what it will say then.")
                % {"day": known_on.isoformat()},
            )
        )
    if agreement is not None and (as_of is not None or known_on is not None) and not errors:
        bounds = selectors.record_bounds(agreement=agreement)
        if as_of is not None and (bounds.first_effective is None or as_of < bounds.first_effective):
            errors.append(
                (
                    "as_of",
                    _("%(day)s is before any record of this agreement%(first)s.")
                    % {
                        "day": as_of.isoformat(),
                        "first": _(": its first pledge is dated %s") % _long(bounds.first_effective)
                        if bounds.first_effective
                        else "",
                    },
                )
            )
        first_recorded = bounds.first_recorded
        if known_on is not None and (
            first_recorded is None or selectors.end_of_day(known_on) < first_recorded
        ):
            errors.append(
                (
                    "known_on",
                    _("%(day)s is before the record began%(first)s.")
                    % {
                        "day": known_on.isoformat(),
                        "first": _(": its first entry was recorded on %s")
                        % _long(timezone.localtime(first_recorded).date())
                        if first_recorded
                        else "",
                    },
                )
            )
    if errors:
        raise BadQuery(errors)


def view_statement(matrix: selectors.Matrix) -> str:
    """Which record the page shows, in words."""
    if matrix.as_of and matrix.known_on:
        return _(
            "As the record described it on %(known)s, about the world on %(day)s (by effective "
            "dates)"
        ) % {"known": _long(matrix.known_on), "day": _long(matrix.as_of)}
    if matrix.as_of:
        return _("As the world stood on %s, by effective dates") % _long(matrix.as_of)
    if matrix.known_on:
        return _("As the record described it on %s") % _long(matrix.known_on)
    return _("Now: the record as it stands today")


def bad_request(request: HttpRequest, errors: list[tuple[str, str]]) -> HttpResponse:
    """The 400 page naming each parameter and what was wrong. An htmx request is sent to the
    same address as a full page (htmx swaps no error), so the reader sees the message."""
    response = render(request, "400.html", {"errors": errors}, status=400)
    if getattr(request, "htmx", False):
        response["HX-Redirect"] = request.get_full_path()
    return response


def _link(matrix: selectors.Matrix) -> None:
    """Give each row, column and cell its page's address. One reversal per URL name: the
    commitment's address is the pattern's with the id put in (2,000 reversals would cost more
    than the rest of the page)."""
    marker = "2147483646"
    pattern = reverse("commitments:commitment_detail", args=[int(marker)])
    for row in matrix.rows:
        row.url = reverse("commitments:participant_detail", args=[row.participant.code])
        for cell in row.cells:
            if cell.exists:
                cell.url = pattern.replace(marker, str(cell.commitment_id), 1)
    for column in matrix.columns:
        column.url = reverse("commitments:guarantee_detail", args=[column.guarantee.slug])


class MatrixView(View):
    """`/`: the matrix of one agreement; an htmx request gets the redrawn part only."""

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            query = read_query(request)
        except BadQuery as bad:
            return bad_request(request, bad.errors)
        matrix = (
            selectors.record_matrix(agreement=query.agreement, **query.arguments)
            if query.agreement
            else None
        )
        if matrix:
            _link(matrix)
        context = {
            "form": query.filterset.form,
            "agreements": query.agreements,
            "agreement": query.agreement,
            "matrix": matrix,
            "statement": view_statement(matrix) if matrix else "",
            "filtered": any(query.arguments[name] for name in ("domain", "status", "kind", "q")),
            "legend": [(s, label, LEGEND[s]) for s, label in CommitmentStatus.choices],
            "query": request.GET.urlencode(),
            "exports": [
                (label, reverse("commitments:matrix_export", kwargs={"format": fmt}))
                for fmt, label in (("csv", "CSV"), ("json", "JSON"), ("xlsx", "XLSX"))
            ],
        }
        htmx = getattr(request, "htmx", None)
        partial = bool(htmx) and not htmx.history_restore_request
        template = "commitments/_matrix.html" if partial else "commitments/matrix.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


class MatrixExportView(View):
    """`/exports/matrix.<format>`: the matrix with the page's filters and dates, one row per
    commitment, as CSV, JSON or XLSX."""

    def get(self, request: HttpRequest, format: str) -> HttpResponse:
        if format not in exports.FORMATS:
            raise Http404(_("No export in that format."))
        try:
            query = read_query(request)
        except BadQuery as bad:
            return bad_request(request, bad.errors)
        if query.agreement is None:
            raise Http404(_("No agreement recorded yet."))
        matrix = selectors.record_matrix(
            agreement=query.agreement, with_sources=True, **query.arguments
        )
        return exports.FORMATS[format](matrix, generated_at=timezone.now())
