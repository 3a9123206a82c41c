"""The forms that create and rename users, shared by the admin and the create_user command:
Django's username rules (letters, digits and @.+-_, at most 150 characters), a username
unique regardless of case, a valid e-mail address, and AUTH_PASSWORD_VALIDATORS."""

from django.contrib.auth import forms as auth_forms

from accounts.models import User


class UserCreateForm(auth_forms.UserCreationForm):
    """The admin's user creation form (case-insensitive uniqueness and the password
    validators, which compare the password with the username and e-mail) plus the e-mail."""

    class Meta(auth_forms.UserCreationForm.Meta):
        model = User
        fields = ("username", "email")


class UserChangeForm(auth_forms.UserChangeForm):
    """The admin's change form; a rename may not take a username that differs only in case."""

    class Meta(auth_forms.UserChangeForm.Meta):
        model = User

    def clean_username(self):
        username = self.cleaned_data.get("username")
        others = User.objects.exclude(pk=self.instance.pk)
        if username and others.filter(username__iexact=username).exists():
            raise self.instance.unique_error_message(User, ["username"])
        return username
