from django.db import migrations, models

ALL_SCOPES = ["calls", "graph.read", "graph.write", "billing.read", "billing.write"]


def existing_tokens_keep_what_they_could_do(apps, schema_editor):
    # Tokens made before scopes acted as the tenant's Global admin: they keep every scope until revoked.
    apps.get_model("accounts", "ApiToken").objects.update(scopes=ALL_SCOPES)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_audit_log_append_only"),
    ]

    operations = [
        migrations.AddField(model_name="apitoken", name="scopes", field=models.JSONField(default=list)),
        migrations.AddField(model_name="apitoken", name="expires_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.RunPython(existing_tokens_keep_what_they_could_do, migrations.RunPython.noop),
    ]
