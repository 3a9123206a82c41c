"""Account pages: a signed-in user changes their own password."""

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponseRedirect

from accounts import services


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's form (old password, new password twice, the validators); the change is saved
    through the accounts service, so the audit history records it (never the password)."""

    template_name = "registration/password_change.html"

    def form_valid(self, form):
        with transaction.atomic():
            form.save(commit=False)  # sets the new hash on form.user
            services.user_save(user=form.user, actor=self.request.user, password_changed=True)
        # Signs out the user's other sessions, and keeps this one.
        update_session_auth_hash(self.request, form.user)
        return HttpResponseRedirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_changed.html"
