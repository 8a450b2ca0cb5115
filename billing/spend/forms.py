"""Forms of the calling policy pages; the service cleans the amounts (one rule for pages and API)."""
from django import forms


class CallingPolicyForm(forms.Form):
    enable_spend_limits = forms.BooleanField(label="Enable calling plans spend limit", required=False)
    user_spend_limit = forms.CharField(label="Monthly spend limit per user (USD)", required=False, max_length=20,
                                       help_text="What each user's calls may cost in a calendar month: Pay-As-You-Go "
                                                 "calls and overage paid from Communications Credits. Leave empty "
                                                 "for no default limit.")
    slice_minutes = forms.CharField(label="Minutes a call holds at a time", max_length=4,
                                    help_text="A call paid from credits holds this many minutes of its rate, then "
                                              "asks for more, so one long call never holds the whole balance.")


class UserSpendLimitForm(forms.Form):
    spend_limit = forms.CharField(label="Monthly spend limit (USD)", required=False, max_length=20,
                                  help_text="Leave empty to use the calling policy's limit.")
