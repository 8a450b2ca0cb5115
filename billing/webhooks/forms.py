"""The form of the Webhooks page: an endpoint's URL, description and events."""
from django import forms

from .events import EventType


class EndpointForm(forms.Form):
    url = forms.CharField(label="Endpoint URL", max_length=500,
                          help_text="An https:// address on the public internet that accepts POST requests.")
    description = forms.CharField(label="Description", max_length=200, required=False)
    events = forms.MultipleChoiceField(label="Events", choices=EventType.choices, widget=forms.CheckboxSelectMultiple,
                                       error_messages={"required": "Choose at least one event."})
