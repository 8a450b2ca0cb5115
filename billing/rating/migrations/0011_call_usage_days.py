"""Daily totals of call records for the PSTN usage report's totals (billing/rating/usage_days.py): the tables, the
triggers that record every write of call records as a change, and the first fill from the records there are."""
import django.db.models.deletion
from django.db import migrations, models

from billing.rating import usage_days


def install(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        usage_days.install(cursor)
    usage_days.usage_days_rebuild()


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        usage_days.uninstall(cursor)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_api_token_scopes_and_expiry'),
        ('rating', '0010_call_records_partitioned_by_month'),
    ]

    operations = [
        migrations.CreateModel(
            name='CallUsageChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField()),
                ('call_type', models.CharField(choices=[('user_in', 'User inbound'), ('user_out', 'User outbound'), ('user_out_conf', 'User outbound to a conference'), ('user_out_transfer', 'User outbound transfer'), ('user_out_forwarding', 'User outbound forwarding'), ('conf_in', 'Conference dial-in'), ('conf_out', 'Conference dial-out'), ('unassigned_in', 'Inbound to a service number'), ('emergency_out', 'Emergency call')], max_length=24)),
                ('destination_context', models.CharField(choices=[('Domestic', 'Domestic'), ('International', 'International')], max_length=13)),
                ('usage_country', models.CharField(blank=True, max_length=2)),
                ('capability', models.CharField(choices=[('MCOPSTN1', 'Domestic Calling Plan'), ('MCOPSTN2', 'Domestic and International Calling Plan'), ('MCOPSTN5', 'Domestic Calling Plan (120 min)'), ('MCOPSTN6', 'Domestic Calling Plan (240 min)'), ('MCOPSTN8', 'Domestic Calling Plan (120 min, not pooled)'), ('MCOMEETADD', 'Audio Conferencing dial-out'), ('MCOPSTNPP', 'Communications Credits'), ('MCOEV', 'Teams Phone'), ('FREECALL', 'Free call')], max_length=16)),
                ('calls', models.BigIntegerField()),
                ('seconds', models.BigIntegerField()),
                ('charge', models.DecimalField(decimal_places=2, max_digits=14)),
                ('tenant', models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'indexes': [models.Index(fields=['tenant', 'day'], name='rating_usage_change_day')],
            },
        ),
        migrations.CreateModel(
            name='CallUsageDay',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('day', models.DateField(help_text="The calls' start day (UTC)")),
                ('call_type', models.CharField(choices=[('user_in', 'User inbound'), ('user_out', 'User outbound'), ('user_out_conf', 'User outbound to a conference'), ('user_out_transfer', 'User outbound transfer'), ('user_out_forwarding', 'User outbound forwarding'), ('conf_in', 'Conference dial-in'), ('conf_out', 'Conference dial-out'), ('unassigned_in', 'Inbound to a service number'), ('emergency_out', 'Emergency call')], max_length=24)),
                ('destination_context', models.CharField(choices=[('Domestic', 'Domestic'), ('International', 'International')], max_length=13)),
                ('usage_country', models.CharField(blank=True, max_length=2)),
                ('capability', models.CharField(choices=[('MCOPSTN1', 'Domestic Calling Plan'), ('MCOPSTN2', 'Domestic and International Calling Plan'), ('MCOPSTN5', 'Domestic Calling Plan (120 min)'), ('MCOPSTN6', 'Domestic Calling Plan (240 min)'), ('MCOPSTN8', 'Domestic Calling Plan (120 min, not pooled)'), ('MCOMEETADD', 'Audio Conferencing dial-out'), ('MCOPSTNPP', 'Communications Credits'), ('MCOEV', 'Teams Phone'), ('FREECALL', 'Free call')], max_length=16)),
                ('calls', models.BigIntegerField(default=0)),
                ('seconds', models.BigIntegerField(default=0)),
                ('charge', models.DecimalField(decimal_places=2, default=0, max_digits=14)),
                ('tenant', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.tenant')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('tenant', 'day', 'call_type', 'destination_context', 'usage_country', 'capability'), name='rating_usage_day_key')],
            },
        ),
        migrations.RunPython(install, uninstall),
    ]
