"""Forms of the shell: sign-in and API token creation."""
import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .scopes import Scope


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
    EXPIRY_CHOICES = [("30", "30 days"), ("90", "90 days"), ("180", "180 days"), ("365", "1 year"), ("", "Never")]

    name = forms.CharField(label="Token name", max_length=100,
                           help_text="For example: Telephony platform, or Reporting script.")
    scopes = forms.MultipleChoiceField(label="What the token may do", choices=Scope.choices,
                                       widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose at least one scope."})
    expires = forms.ChoiceField(label="Expires after", choices=EXPIRY_CHOICES, required=False, initial="90")

    def expires_at(self, now):
        days = self.cleaned_data.get("expires")
        return now + datetime.timedelta(days=int(days)) if days else None
