"""Forms of the Billing notifications page: they parse input; the services validate it and name what's wrong."""
from django import forms

from .events import SPECS, TOGGLEABLE_EVENTS, Event
from .models import MAX_LOW_BALANCE_LEVELS, EmailLog, NotificationSettings

LEVEL_FIELDS = tuple(f"level_{n}" for n in range(1, MAX_LOW_BALANCE_LEVELS + 1))


class RecipientForm(forms.Form):
    # A CharField, not an EmailField: the service's error names the address, Django's generic one doesn't.
    email = forms.CharField(label="Email address", max_length=254)


class PreferencesForm(forms.Form):
    """Each event on or off, and up to three low-balance levels in whole dollars."""

    def __init__(self, *args, settings=None, **kwargs):
        if settings is not None and "initial" not in kwargs:
            levels = list(settings.low_balance_levels)
            kwargs["initial"] = {
                **{event.value: settings.is_enabled(event) for event in TOGGLEABLE_EVENTS},
                **{name: levels[i] if i < len(levels) else "" for i, name in enumerate(LEVEL_FIELDS)},
            }
        super().__init__(*args, **kwargs)
        for event in TOGGLEABLE_EVENTS:
            self.fields[event.value] = forms.BooleanField(label=event.label, required=False,
                                                          help_text=SPECS[event].description)
        for n, name in enumerate(LEVEL_FIELDS, start=1):
            self.fields[name] = forms.CharField(label=f"Low-balance level {n}", required=False, max_length=20)

    def event_fields(self):
        return [self[event.value] for event in TOGGLEABLE_EVENTS]

    def level_fields(self):
        return [self[name] for name in LEVEL_FIELDS]

    def enabled_events(self):
        return [event.value for event in TOGGLEABLE_EVENTS if self.cleaned_data.get(event.value)]

    def levels(self):
        return [self.cleaned_data.get(name, "") for name in LEVEL_FIELDS]


class EditSettingsForm(forms.Form):
    preferred_language = forms.ChoiceField(label="Preferred language", choices=NotificationSettings.Language.choices)
    attach_invoice_pdf = forms.BooleanField(label="Attach a PDF to your invoice emails", required=False)


class EmailLogFilterForm(forms.Form):
    event = forms.ChoiceField(label="Event", required=False, choices=[("", "All events"), *Event.choices])
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "All statuses"), *EmailLog.Status.choices])
