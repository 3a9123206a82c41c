"""Import status updates from a CSV or XLSX file (analysts): check it (a dry run), then
import it. The checked file is kept server-side (services.import_upload_keep) under a token
the page posts back, so the Import button imports exactly the file that was checked."""

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from commitments import selectors, services
from commitments.choices import CommitmentStatus
from commitments.services.imports import MAX_BYTES, MAX_ROWS
from commitments.views._access import page_gate

# Rows with errors are all shown; rows without, up to this many (a 10,000-row file would
# make a page nobody reads).
SHOWN_OK_ROWS = 500


class ImportFileForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A CSV (UTF-8) or XLSX file, at most 5 MB and 10,000 rows."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


_analyst_only = page_gate(
    selectors.may_import, gettext_lazy("Only analysts may import status updates.")
)


def _label(status: str) -> str:
    return CommitmentStatus(status).label if status in CommitmentStatus.values else status


def _shown(report) -> dict:
    """The report as the page shows it: each row's move with its labels, its errors."""
    rows, hidden, ok_shown = [], 0, 0
    for row in report.rows:
        if row.ok:
            if ok_shown == SHOWN_OK_ROWS:
                hidden += 1
                continue
            ok_shown += 1
        rows.append(
            {
                "row": row,
                "old_label": _label(row.old_status),
                "new_label": _label(row.proposed_status),
                "new_known": row.proposed_status in CommitmentStatus.values,
            }
        )
    return {"report": report, "rows": rows, "hidden": hidden}


def _page(request, form, report=None, token="", status=200):
    context = {
        "form": form,
        "token": token,
        "max_rows": f"{MAX_ROWS:,}",
        "max_mb": MAX_BYTES // (1024 * 1024),
    }
    if report is not None:
        context.update(_shown(report))
    return render(request, "commitments/import.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@_analyst_only
def import_page(request):
    """GET: the upload form. POST: check the file (nothing is created) and show each row's
    outcome; when every row is fine, keep the file and offer the Import button."""
    if request.method != "POST":
        return _page(request, ImportFileForm())
    form = ImportFileForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    content = upload.read(MAX_BYTES + 1)
    report = services.import_check(file=content, filename=upload.name, author=request.user)
    token = ""
    if report.ok:
        token = services.import_upload_keep(
            owner=request.user, filename=upload.name, content=content
        )
    # A file that cannot be read at all is a bad request, as in the API.
    return _page(
        request, ImportFileForm(), report, token, status=400 if report.file_errors else 200
    )


@require_POST
@_analyst_only
def import_apply(request):
    """Import the file checked a moment ago: every row as a submitted update, or none."""
    report = services.import_upload_apply(token=request.POST.get("token", ""), author=request.user)
    if report is None:
        messages.error(request, _("That file is no longer kept (an hour at most): check it again."))
        return redirect("commitments:import")
    if not report.ok:
        messages.error(
            request,
            _("Nothing was imported: the record changed since the check. See the rows below."),
        )
        return _page(request, ImportFileForm(), report, status=409)
    messages.success(
        request,
        _("%(n)d updates submitted for review, from %(file)s.")
        % {"n": len(report.created), "file": report.filename},
    )
    return redirect("commitments:import")


@require_safe
@_analyst_only
def import_template(request, format="csv"):
    """The template to fill in: the header and one example row, as CSV or XLSX."""
    if format == "xlsx":
        response = HttpResponse(
            services.import_template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(services.import_template_csv(), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="status-updates-template.{format}"'
    return response
