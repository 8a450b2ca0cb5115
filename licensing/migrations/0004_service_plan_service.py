"""Each service plan names the service it runs in, as Graph's user.assignedPlans reports it."""
from django.db import migrations, models

# Service plan name -> Graph's assignedPlan.service; every calling plan runs in Teams' communications service.
SERVICES = {
    "EXCHANGE_S_ENTERPRISE": "exchange",
    "SHAREPOINTENTERPRISE": "SharePoint",
    "OFFICESUBSCRIPTION": "MicrosoftOffice",
    "TEAMS1": "TeamsForBusiness",
}
COMMUNICATIONS = "MicrosoftCommunicationsOnline"


def fill_services(apps, schema_editor):
    ServicePlan = apps.get_model("licensing", "ServicePlan")
    for plan in ServicePlan.objects.filter(service=""):
        plan.service = SERVICES.get(plan.name, COMMUNICATIONS if plan.name.startswith("MCO") else "")
        plan.save(update_fields=["service"])


class Migration(migrations.Migration):

    dependencies = [
        ("licensing", "0003_license_spelling"),
    ]

    operations = [
        migrations.AddField(
            model_name="serviceplan",
            name="service",
            field=models.CharField(blank=True, help_text="The service it runs in, as Graph's assignedPlans name it (e.g. exchange)", max_length=64),
        ),
        migrations.RunPython(fill_services, migrations.RunPython.noop),
    ]
