from django.db import migrations


class Migration(migrations.Migration):
    """One spelling, "license", as Microsoft's API and admin centre spell it."""

    dependencies = [("accounts", "0002_tenant_licences_version")]

    operations = [
        migrations.RenameField(model_name="tenant", old_name="licences_version", new_name="licenses_version"),
    ]
