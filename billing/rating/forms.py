"""Forms of Rating and charging: uploading a rate file (Rates page and Django admin)."""
import datetime

from django import forms

from accounts.models import Tenant

from .selectors import today_utc

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class RateUploadForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, required=False,
                           help_text="For example: Contoso negotiated rates. Leave empty to use the file name and date.")
    effective_from = forms.DateField(label="Effective date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                     help_text="The rates apply to calls that start on this day (UTC) or later.")
    file = forms.FileField(label="Rate file (CSV)", widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
                           help_text="Columns: prefix, destination, country, number_type, price_per_minute, "
                                     "connection_fee, first_increment, increment. UTF-8, comma separated.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["effective_from"].initial = today_utc() + datetime.timedelta(days=1)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is {upload.size / 1_048_576:.1f} MB; a rate file may be up to "
                                        f"{MAX_UPLOAD_BYTES // 1_048_576} MB.")
        return upload


class OperatorRateUploadForm(RateUploadForm):
    tenant = forms.ModelChoiceField(Tenant.objects.all(), required=False, empty_label="Global deck (every tenant)",
                                    help_text="A tenant's own deck overrides the global deck's rows for that tenant.")

    field_order = ["tenant", "name", "effective_from", "file"]
