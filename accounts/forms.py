"""Forms of the shell: sign-in and API token creation."""
from django import forms
from django.contrib.auth.forms import AuthenticationForm


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Username",
        max_length=320,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username",
                                      "placeholder": "someone@contoso.example"}),
    )
    error_messages = {
        "invalid_login": (
            "Your account or password is incorrect. If you don't remember your password, ask your admin to reset it."
        ),
        "inactive": "Your account has been locked. Contact your support person to unlock it, then try again.",
    }

    def clean_username(self):
        return self.cleaned_data["username"].strip().lower()


class ApiTokenForm(forms.Form):
    name = forms.CharField(label="Token name", max_length=100,
                           help_text="For example: Telephony platform, or Reporting script.")
