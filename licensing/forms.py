"""Forms of the licensing pages: they parse input; the rules live in the services."""
import uuid

from django import forms
from django_countries import countries

from accounts.roles import Role

MANAGE_MODES = [
    ("add", "Assign more: Keep the existing licenses and assign more"),
    ("replace", "Replace: Remove all existing licenses and assign new ones"),
    ("remove_all", "Unassign all: Remove all licenses"),
]


def location_choices(blank_label="Select a location"):
    return [("", blank_label), *[(code, name) for code, name in countries]]


class ManageLicensesForm(forms.Form):
    """Manage product licenses for a selection: a mode and the products to assign."""

    mode = forms.ChoiceField(choices=MANAGE_MODES, widget=forms.RadioSelect, initial="add")
    products = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = [(str(line.product.pk), line.product.name) for line in lines]  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if data.get("mode") in ("add", "replace") and not data.get("products"):  # type: ignore[operator,union-attr]
            raise forms.ValidationError("Select at least one license to assign, or choose Unassign all.")
        return data


class UserLicensesForm(forms.Form):
    """The "Licenses and apps" tab: location, a checkbox per product, a toggle per service plan."""

    usage_location = forms.ChoiceField(label="Select location", required=False)
    products = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_location"].choices = location_choices()  # type: ignore[attr-defined]
        self.fields["products"].choices = [(str(line.product.pk), line.product.name) for line in lines]  # type: ignore[attr-defined]


class BasicsForm(forms.Form):
    """Add a user, step 1: Set up the basics."""

    first_name = forms.CharField(max_length=64, required=False)
    last_name = forms.CharField(max_length=64, required=False)
    display_name = forms.CharField(max_length=256)
    username = forms.RegexField(regex=r"^[A-Za-z0-9._'-]+$", max_length=64, error_messages={
        "invalid": "Use letters, digits, dots, dashes, apostrophes or underscores, without @ or spaces."})
    auto_password = forms.BooleanField(label="Automatically create a password", required=False, initial=True)
    password = forms.CharField(required=False, widget=forms.PasswordInput(render_value=True))

    def clean(self):
        data = super().clean()
        if not data.get("auto_password") and not data.get("password"):  # type: ignore[union-attr]
            self.add_error("password", "Enter a password, or let the admin center create one.")
        return data


class AssignLicensesStepForm(forms.Form):
    """Add a user, step 2: Assign product licenses."""

    usage_location = forms.ChoiceField(label="Select location", required=False)
    products = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["usage_location"].choices = location_choices()  # type: ignore[attr-defined]
        self.fields["products"].choices = [(str(line.product.pk), line.product.name) for line in lines]  # type: ignore[attr-defined]

    def clean(self):
        data = super().clean()
        if data.get("products") and not data.get("usage_location"):  # type: ignore[union-attr]
            self.add_error("usage_location", "Select a location: licenses can't be assigned without one.")
        return data


class OptionalSettingsForm(forms.Form):
    """Add a user, step 3: Optional settings (roles and profile info)."""

    roles = forms.MultipleChoiceField(choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple)
    job_title = forms.CharField(max_length=128, required=False)
    department = forms.CharField(max_length=64, required=False)
    office_location = forms.CharField(label="Office", max_length=128, required=False)
    phone_number = forms.CharField(label="Office phone", max_length=32, required=False)


class EditUserForm(forms.Form):
    """Account tab: Manage contact information."""

    first_name = forms.CharField(max_length=64, required=False)
    last_name = forms.CharField(max_length=64, required=False)
    display_name = forms.CharField(max_length=256)
    job_title = forms.CharField(max_length=128, required=False)
    department = forms.CharField(max_length=64, required=False)
    office_location = forms.CharField(label="Office", max_length=128, required=False)
    phone_number = forms.CharField(label="Office phone", max_length=32, required=False)


class QuantityForm(forms.Form):
    """Buy licenses (quantity to add) or Remove licenses (new quantity); the key makes a double submit safe."""

    quantity = forms.IntegerField(min_value=0, max_value=2_000_000_000)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, label, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quantity"].label = label
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)
