"""The admin's edge: a refused write (a DomainError) shown as a message, not a 500.

Shared by every app's admin (commitments and accounts), so neither imports the other's.
"""

from contextlib import contextmanager, nullcontext

from django.contrib import messages
from django.db import router, transaction
from django.http import HttpResponseRedirect

from tracker.exceptions import DomainError


class Refused(Exception):
    """A service refused the write; the reason is already queued as a message."""


class RefusalMessagesMixin:
    """Shows a DomainError as an error message and returns to the page, instead of a 500.

    The admin's write views run in one transaction, so a refusal anywhere in a save or a
    delete rolls back everything the request did.
    """

    @contextmanager
    def refusal_reported(self, request):
        try:
            yield
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            raise Refused from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except Refused:
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except Refused:
            return HttpResponseRedirect(request.get_full_path())

    def changelist_view(self, request, extra_context=None):
        # Actions run outside any transaction; a refused bulk delete must roll back whole.
        atomic = transaction.atomic(using=router.db_for_write(self.model))
        try:
            with atomic if request.method == "POST" else nullcontext():
                return super().changelist_view(request, extra_context)
        except Refused:
            return HttpResponseRedirect(request.get_full_path())
