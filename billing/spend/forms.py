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


class DestinationPolicyForm(forms.Form):
    name = forms.CharField(label="Policy name", max_length=64)
    blocked_countries = forms.CharField(label="Blocked countries or regions", required=False, max_length=1000,
                                        help_text="Two-letter codes, comma-separated, e.g. GB, DE.")
    blocked_number_types = forms.CharField(label="Blocked number types", required=False, max_length=200,
                                           help_text="fixed, mobile, toll-free, premium, shared-cost")
    max_concurrent_calls = forms.CharField(label="Calls at once per user", required=False, max_length=4,
                                           help_text="Leave empty for no limit.")
